#!/usr/bin/env python3
# Flattens a demo-data --profiles-only folder (CRM CSV, web JSON lines, POS CSV, _truth) into one labelled CSV with
# the standard profile field names of conf/identity/person.yaml, for `identity-resolution evaluate`:
#   scripts/demo-profiles-csv.py LANDING_DIR OUT.csv     (then --id-column record_id --truth-column person_id)
# The web full_name is split at its first space.
import csv, json, sys
src, out = sys.argv[1], sys.argv[2]
truth = {}
with open(f"{src}/_truth/source_records_0001.csv") as f:
    for r in csv.DictReader(f):
        truth[r["record_id"]] = r["person_id"]
rows = []
with open(f"{src}/crm/contacts/contacts_0001.csv") as f:
    for r in csv.DictReader(f):
        rows.append([r["contact_id"], r["first_name"], r["last_name"], r["birthdate"], r["email"], r["phone"], r["mailing_street"], r["mailing_city"], r["mailing_zip"]])
with open(f"{src}/web/signups/signups_0001.jsonl") as f:
    for line in f:
        r = json.loads(line)
        name = (r.get("full_name") or "").strip().split(" ", 1)
        rows.append([r["user_id"], name[0] if name else "", name[1] if len(name) > 1 else "", "", r.get("email_address") or "", r.get("mobile") or "", "", "", r.get("postal_code") or ""])
with open(f"{src}/pos/customers/customers_0001.csv") as f:
    for r in csv.DictReader(f, delimiter=";"):
        rows.append([r["CUST_NO"], r["FNAME"], r["LNAME"], "", "", r["PHONE"], "", "", r["ZIP"]])
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["record_id", "person_id", "first_name", "last_name", "birth_date", "email", "phone", "address", "city", "postal_code"])
    for r in rows:
        w.writerow([r[0], truth[r[0]]] + r[1:])
print(len(rows))
