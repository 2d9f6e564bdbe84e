#!/usr/bin/env bash
# Renames a labelled CSV's columns to the standard profile field names conf/identity/person.yaml compares
# (first_name, last_name, birth_date, email, phone, address, city, postal_code, gender), values untouched.
#   scripts/person-csv.sh IN.csv OUT.csv old=new [old=new ...]
#   scripts/person-csv.sh --febrl IN.csv OUT.csv          (FEBRL: given_name, surname, date_of_birth, ...)
#   scripts/person-csv.sh --splink-fake IN.csv OUT.csv    (splink fake_1000: surname, dob)
#   scripts/person-csv.sh --splink-historical IN.csv OUT.csv
#       (splink's historical_figures_with_errors_50k: surname, dob, postcode_fake, birth_place)
set -euo pipefail
case "${1:-}" in
  -h|--help) sed -n 2,8p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  --febrl) shift; set -- "$1" "$2" given_name=first_name surname=last_name date_of_birth=birth_date \
      address_1=address suburb=city postcode=postal_code ;;
  --splink-fake) shift; set -- "$1" "$2" surname=last_name dob=birth_date ;;
  --splink-historical) shift; set -- "$1" "$2" surname=last_name dob=birth_date postcode_fake=postal_code \
      birth_place=city ;;
esac
[[ $# -ge 2 ]] || { echo "usage: $0 IN.csv OUT.csv old=new ..." >&2; exit 2; }
in="$1"; out="$2"; shift 2
[[ -f "$in" ]] || { echo "no such file: $in" >&2; exit 2; }
renames="$*"
awk -v renames="$renames" 'BEGIN { n = split(renames, r, " "); for (i = 1; i <= n; i++) { split(r[i], kv, "="); map[kv[1]] = kv[2] } }
  NR == 1 { sub(/\r$/, ""); m = split($0, cols, ","); line = "";
            for (i = 1; i <= m; i++) { c = cols[i]; gsub(/^[ \t]+|[ \t]+$/, "", c); if (c in map) c = map[c];
                                       line = line (i > 1 ? "," : "") c }
            print line; next }
  { print }' "$in" > "$out"
echo "wrote $out: $(head -1 "$out")" >&2
