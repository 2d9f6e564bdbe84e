package io.lakecdp.demo;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes the landing files of the demo tenant: the same people appear in a CRM export, web sign-ups
 * and point-of-sale customers, each source with its own column names, formats and errors (nicknames,
 * typos, e-mail and phone formats, moved addresses); orders, order lines and e-mail events refer to
 * source customer ids. Every value comes from a random stream seeded by (seed, person), so the same
 * arguments always write the same files. A ground-truth file maps every source record to its person.
 */
public final class DemoDataGenerator {
  private static final LocalDateTime EPOCH = LocalDateTime.of(2025, 1, 1, 0, 0);
  private static final DateTimeFormatter CRM_TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
  private static final DateTimeFormatter US_DATE = DateTimeFormatter.ofPattern("MM/dd/yyyy");
  private static final DateTimeFormatter EU_DATE = DateTimeFormatter.ofPattern("dd.MM.yyyy");
  private static final String[] STREETS = {"Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill",
      "Park", "Pine", "Sunset", "Lincoln", "Jackson", "River", "Church", "Highland", "Spring", "Ridge"};
  private static final String[][] STREET_TYPES = {{"Street", "St"}, {"Avenue", "Ave"}, {"Road", "Rd"},
      {"Boulevard", "Blvd"}, {"Drive", "Dr"}, {"Lane", "Ln"}, {"Court", "Ct"}};
  private static final String[] DOMAINS = {"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com",
      "aol.com", "proton.me", "example.org"};
  private static final String[][] PRODUCTS = {{"SKU-1001", "Trail Running Shoes", "89.99"},
      {"SKU-1002", "Rain Jacket", "129.00"}, {"SKU-1003", "Wool Socks 3-pack", "18.50"},
      {"SKU-1004", "Insulated Bottle", "24.95"}, {"SKU-1005", "Daypack 22L", "64.00"},
      {"SKU-1006", "Headlamp", "34.99"}, {"SKU-1007", "Camp Mug", "12.00"}, {"SKU-1008", "Fleece Hoodie", "59.90"},
      {"SKU-1009", "Hiking Poles", "79.00"}, {"SKU-1010", "Gift Card", "50.00"}};
  private static final String[] CAMPAIGNS = {"spring-sale", "welcome-series", "loyalty-q2", "summer-drop",
      "back-to-school", "black-friday", "holiday-gifts", "winter-clearance"};

  /** Counts of what was written, by stream. */
  public record Summary(long people, long crm, long web, long pos, long orders, long orderLines, long emailEvents,
      long malformed) {}

  private final NameData names = NameData.load();
  private final long seed;
  private final double malformedRate;

  public DemoDataGenerator(long seed, double malformedRate) {
    this.seed = seed;
    this.malformedRate = malformedRate;
  }

  public Summary generate(int people, Path out, int rowsPerFile) {
    return generate(people, out, rowsPerFile, false);
  }

  /**
   * @param profilesOnly write only the profile sources (CRM, web, POS) and the truth, no orders or
   *     e-mail events: what the identity-resolution benchmark needs
   */
  public Summary generate(int people, Path out, int rowsPerFile, boolean profilesOnly) {
    long malformed = 0;
    try (ChunkedWriter crm = new ChunkedWriter(out.resolve("crm/contacts"), "contacts", "csv",
            "contact_id,salutation,first_name,last_name,email,phone,mailing_street,mailing_city,mailing_state,"
                + "mailing_zip,birthdate,updated_at,is_deleted", rowsPerFile);
         ChunkedWriter web = new ChunkedWriter(out.resolve("web/signups"), "signups", "jsonl", null, rowsPerFile);
         ChunkedWriter pos = new ChunkedWriter(out.resolve("pos/customers"), "customers", "csv",
             "CUST_NO;FNAME;LNAME;PHONE;ZIP;LAST_VISIT;STORE", rowsPerFile);
         ChunkedWriter orders = new ChunkedWriter(out.resolve("orders/orders"), "orders", "csv",
             "order_id,customer_id,order_ts,status,total_amount,currency,channel,updated_at", rowsPerFile);
         ChunkedWriter lines = new ChunkedWriter(out.resolve("orders/lines"), "order_lines", "csv",
             "line_id,order_id,sku,product_name,qty,unit_price", rowsPerFile);
         ChunkedWriter events = new ChunkedWriter(out.resolve("email/events"), "email_events", "jsonl", null, rowsPerFile);
         ChunkedWriter truth = new ChunkedWriter(out.resolve("_truth"), "source_records", "csv",
             "source,record_id,person_id", Integer.MAX_VALUE);
         ChunkedWriter negatives = new ChunkedWriter(out.resolve("_truth"), "hard_negatives", "csv",
             "kind,person_a,person_b", Integer.MAX_VALUE)) {
      Person previous = null;
      Person[] recent = new Person[1000];
      String lastPlaceholderUser = null;
      java.util.Set<String> emails = new java.util.HashSet<>();
      for (int i = 1; i <= people; i++) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + i);
        // Variations of a person's records across sources draw from a stream of their own, so adding one leaves
        // every other value of the data set as it was.
        SplittableRandom v = new SplittableRandom(seed * 7_919L + i * 31L + 17);
        Person p = person(i, r);
        // Hard negatives: different people a careless matcher would merge.
        double kind = r.nextDouble();
        if (previous != null && kind < HOUSEHOLD_RATE) {
          boolean twin = r.nextDouble() < TWIN_SHARE;
          p = relative(p, previous, twin, r);
          negatives.row((twin ? "twin," : "household,") + previous.id + "," + p.id);
        } else if (i > 20 && kind < HOUSEHOLD_RATE + NAMESAKE_RATE) {
          Person other = recent[r.nextInt(Math.min(i - 1, recent.length))];
          p = namesake(p, other, i);
          negatives.row("namesake," + other.id + "," + p.id);
        } else if (kind < HOUSEHOLD_RATE + NAMESAKE_RATE + PLACEHOLDER_EMAIL_RATE) {
          p = p.withEmail(PLACEHOLDER_EMAILS[r.nextInt(PLACEHOLDER_EMAILS.length)]);
          if (lastPlaceholderUser != null) {
            negatives.row("placeholder_email," + lastPlaceholderUser + "," + p.id);
          }
          lastPlaceholderUser = p.id;
        }
        // A mailbox belongs to one person: a taken address gets the person's number, as providers make people do.
        if (!List.of(PLACEHOLDER_EMAILS).contains(p.email) && !emails.add(p.email)) {
          int at = p.email.indexOf('@');
          p = p.withEmail(p.email.substring(0, at) + "." + i + p.email.substring(at));
          emails.add(p.email);
        }
        previous = p;
        recent[(i - 1) % recent.length] = p;
        List<String> customerIds = new ArrayList<>();
        List<String[]> emailOwners = new ArrayList<>();
        if (r.nextDouble() < 0.85) {
          int copies = r.nextDouble() < 0.04 ? 2 : 1;
          for (int c = 0; c < copies; c++) {
            String id = String.format("C%07d%s", i, c == 0 ? "" : "-" + c);
            malformed += crmRow(crm, p, id, r, c > 0, v);
            truth.row("crm," + id + "," + p.id);
            customerIds.add(id);
            emailOwners.add(new String[] {id, p.email});
          }
        }
        if (r.nextDouble() < 0.55) {
          String id = String.format("W%07d", i);
          malformed += webRow(web, p, id, r, v);
          truth.row("web," + id + "," + p.id);
          customerIds.add(id);
        }
        if (r.nextDouble() < 0.40) {
          String id = String.format("P%07d", i);
          posRow(pos, p, id, r);
          truth.row("pos," + id + "," + p.id);
          customerIds.add(id);
        }
        if (profilesOnly) {
          continue; // the profile rows above drew from this person's own random stream: they do not change
        }
        if (!customerIds.isEmpty()) {
          malformed += ordersFor(orders, lines, customerIds, i, r);
        }
        for (String[] owner : emailOwners) {
          emailEventsFor(events, owner[0], owner[1], i, r);
        }
      }
      return new Summary(people, crm.rows(), web.rows(), pos.rows(), orders.rows(), lines.rows(), events.rows(), malformed);
    }
  }

  private record Person(String id, NameData.GivenName given, String last, LocalDate birth, String email, String phone,
      String street, String streetType, String streetTypeShort, NameData.Place place, String zip, String movedStreet,
      String movedZip) {
    Person withEmail(String e) {
      return new Person(id, given, last, birth, e, phone, street, streetType, streetTypeShort, place, zip, movedStreet,
          movedZip);
    }
  }

  /** Share of people who live with the previous person (same surname, address and landline). */
  static final double HOUSEHOLD_RATE = 0.06;
  /** Share of those household members who are twins (same birth date too). */
  static final double TWIN_SHARE = 0.3;
  /** Share of people with exactly the name of someone else (different birth date, address, phone). */
  static final double NAMESAKE_RATE = 0.02;
  /** Share of people who give a shared throwaway e-mail instead of their own. */
  static final double PLACEHOLDER_EMAIL_RATE = 0.01;
  private static final String[] PLACEHOLDER_EMAILS = {"none@gmail.com", "customer@store.com", "no.email@yahoo.com"};

  /** A member of {@code head}'s household: a different given name, the same surname, address and landline. */
  private Person relative(Person p, Person head, boolean twin, SplittableRandom r) {
    NameData.GivenName given = p.given;
    while (similarGiven(given, head.given)) {
      given = pick(names.givenNames, r);
    }
    String local = ascii(given.name()).toLowerCase(Locale.ROOT) + "." + ascii(head.last).toLowerCase(Locale.ROOT)
        .replace("'", "") + r.nextInt(1, 99);
    return new Person(p.id, given, head.last, twin ? head.birth : p.birth, local + "@" + DOMAINS[r.nextInt(DOMAINS.length)],
        r.nextDouble() < 0.6 ? head.phone : p.phone, head.street, head.streetType, head.streetTypeShort, head.place,
        head.zip, head.movedStreet, head.movedZip);
  }

  private static boolean similarGiven(NameData.GivenName a, NameData.GivenName b) {
    String x = a.name().toLowerCase(Locale.ROOT);
    String y = b.name().toLowerCase(Locale.ROOT);
    return x.charAt(0) == y.charAt(0) || a.nicknames().stream().anyMatch(b.nicknames()::contains);
  }

  /** Someone else with exactly {@code other}'s name: own birth date, address, phone and e-mail. */
  private static Person namesake(Person p, Person other, int i) {
    String local = ascii(other.given.name()).toLowerCase(Locale.ROOT) + "." + ascii(other.last).toLowerCase(Locale.ROOT)
        .replace("'", "") + "." + i;
    return new Person(p.id, other.given, other.last, p.birth, local + p.email.substring(p.email.indexOf('@')), p.phone,
        p.street, p.streetType, p.streetTypeShort, p.place, p.zip, p.movedStreet, p.movedZip);
  }

  private Person person(int i, SplittableRandom r) {
    NameData.GivenName given = pick(names.givenNames, r);
    // Frequent surnames from the list for 40% of people, a long tail of 1,800 compound ones for the rest.
    String last = r.nextDouble() < 0.4 ? pick(names.lastNames, r) : pick(names.compoundLastNames, r);
    LocalDate birth = LocalDate.of(1945, 1, 1).plusDays(r.nextInt(365 * 60));
    String local = ascii(given.name()).toLowerCase(Locale.ROOT) + "." + ascii(last).toLowerCase(Locale.ROOT).replace("'", "")
        + (r.nextDouble() < 0.5 ? String.valueOf(r.nextInt(1, 99)) : "");
    String email = local + "@" + DOMAINS[r.nextInt(DOMAINS.length)];
    NameData.Place place = pick(names.places, r);
    String phone = place.areaCode() + String.format("%03d%04d", r.nextInt(200, 999), r.nextInt(10000));
    String zip = place.zipPrefix() + String.format("%02d", r.nextInt(100));
    String[] type = STREET_TYPES[r.nextInt(STREET_TYPES.length)];
    String street = (r.nextInt(1, 9999)) + " " + STREETS[r.nextInt(STREETS.length)];
    String movedStreet = (r.nextInt(1, 9999)) + " " + STREETS[r.nextInt(STREETS.length)] + " " + type[0];
    String movedZip = place.zipPrefix() + String.format("%02d", r.nextInt(100));
    return new Person(String.format("PERSON-%07d", i), given, last, birth, email, phone, street, type[0], type[1], place,
        zip, movedStreet, movedZip);
  }

  /** Share of CRM records under a married name: another surname, the same e-mail, phone and address. */
  static final double MARRIED_NAME_RATE = 0.04;
  /** Share of web sign-ups with given and family name swapped. */
  static final double SWAPPED_NAMES_RATE = 0.02;
  /** Share of web sign-ups with a typo in the e-mail's domain. */
  static final double DOMAIN_TYPO_RATE = 0.03;
  /** Share of web sign-ups with a second mailbox: the same local part at another provider. */
  static final double OTHER_PROVIDER_RATE = 0.08;
  /** Providers of those second mailboxes: none of them gives anyone a first mailbox, so no two people share one. */
  private static final String[] OTHER_PROVIDERS = {"gmx.com", "mail.com", "fastmail.com", "zoho.com"};

  private int crmRow(ChunkedWriter out, Person p, String id, SplittableRandom r, boolean duplicate, SplittableRandom v) {
    String first = duplicate || r.nextDouble() < 0.1 ? nickname(p.given, r) : p.given.name();
    String last = r.nextDouble() < 0.03 ? typo(p.last, r) : p.last;
    if (v.nextDouble() < MARRIED_NAME_RATE) {
      last = pick(names.lastNames, v);
    }
    String email = r.nextDouble() < 0.1 ? p.email.toUpperCase(Locale.ROOT) : p.email;
    if (r.nextDouble() < 0.08) {
      email = "";
    }
    String phone = String.format("(%s) %s-%s", p.phone.substring(0, 3), p.phone.substring(3, 6), p.phone.substring(6));
    boolean moved = r.nextDouble() < 0.1;
    String street = moved ? p.movedStreet : p.street + " " + (r.nextBoolean() ? p.streetType : p.streetTypeShort);
    String zip = moved ? p.movedZip : p.zip;
    String salutation = p.given.gender().equals("F") ? (r.nextBoolean() ? "Ms." : "Mrs.") : "Mr.";
    String birth = p.birth.format(US_DATE);
    String contactId = id;
    int bad = 0;
    if (r.nextDouble() < malformedRate) {
      bad = 1;
      if (r.nextBoolean()) {
        birth = p.birth.format(EU_DATE);
      } else {
        contactId = "";
      }
    }
    LocalDateTime updated = EPOCH.plusMinutes(r.nextInt(60 * 24 * 300));
    out.row(String.join(",", contactId, salutation, csv(first), csv(last), email, phone, csv(street),
        csv(p.place.city()), p.place.state(), zip, birth, updated.format(CRM_TS), r.nextDouble() < 0.005 ? "true" : "false"));
    return bad;
  }

  private int webRow(ChunkedWriter out, Person p, String id, SplittableRandom r, SplittableRandom v) {
    String first = r.nextDouble() < 0.3 ? nickname(p.given, r) : p.given.name();
    String last = r.nextDouble() < 0.05 ? typo(p.last, r) : p.last;
    String email = p.email;
    if (email.endsWith("@gmail.com") && r.nextDouble() < 0.3) {
      String local = email.substring(0, email.indexOf('@'));
      email = (r.nextBoolean() ? local.replace(".", "") : local + "+shop") + "@gmail.com";
    }
    if (v.nextDouble() < SWAPPED_NAMES_RATE) {
      String t = first;
      first = last;
      last = t;
    }
    boolean placeholder = List.of(PLACEHOLDER_EMAILS).contains(p.email);
    double e = v.nextDouble();
    if (!placeholder && e < DOMAIN_TYPO_RATE) {
      int at = email.indexOf('@');
      email = email.substring(0, at + 1) + typo(email.substring(at + 1, email.lastIndexOf('.')), v)
          + email.substring(email.lastIndexOf('.'));
    } else if (!placeholder && e < DOMAIN_TYPO_RATE + OTHER_PROVIDER_RATE) {
      String domain = OTHER_PROVIDERS[v.nextInt(OTHER_PROVIDERS.length)];
      email = email.substring(0, email.indexOf('@') + 1) + domain;
    }
    String mobile = String.format("+1 %s-%s-%s", p.phone.substring(0, 3), p.phone.substring(3, 6), p.phone.substring(6));
    String zip = r.nextDouble() < 0.1 ? p.movedZip : p.zip;
    LocalDateTime signedUp = EPOCH.plusMinutes(r.nextInt(60 * 24 * 300));
    // one full name as typed into the sign-up form: mostly "First Last", some "Last, First" (split by formula fields)
    String fullName = id.charAt(id.length() - 1) % 4 == 0 ? last + ", " + first : first + " " + last;
    String line = "{\"user_id\":\"" + id + "\",\"full_name\":" + json(fullName)
        + ",\"email_address\":" + json(email) + ",\"mobile\":\"" + mobile + "\",\"postal_code\":\"" + zip
        + "\",\"signed_up_at\":\"" + signedUp + ":00Z\",\"marketing_opt_in\":" + r.nextBoolean() + "}";
    if (r.nextDouble() < malformedRate) {
      out.row(line.substring(0, line.length() / 2));
      return 1;
    }
    out.row(line);
    return 0;
  }

  private void posRow(ChunkedWriter out, Person p, String id, SplittableRandom r) {
    String first = (r.nextDouble() < 0.15 ? typo(p.given.name(), r) : p.given.name()).toUpperCase(Locale.ROOT);
    String last = (r.nextDouble() < 0.1 ? typo(p.last, r) : p.last).toUpperCase(Locale.ROOT);
    if (r.nextDouble() < 0.2) {
      first = first.substring(0, 1);
    }
    String zip = r.nextDouble() < 0.1 ? p.movedZip : p.zip;
    LocalDate visit = EPOCH.toLocalDate().plusDays(r.nextInt(300));
    out.row(String.join(";", id, first, last, p.phone, zip, visit.format(EU_DATE), "S" + (10 + r.nextInt(40))));
  }

  private int ordersFor(ChunkedWriter orders, ChunkedWriter lines, List<String> customerIds, int person,
      SplittableRandom r) {
    int bad = 0;
    int n = r.nextInt(0, 5);
    for (int o = 0; o < n; o++) {
      String orderId = String.format("O%07d-%d", person, o);
      String customer = customerIds.get(r.nextInt(customerIds.size()));
      LocalDateTime ts = EPOCH.plusMinutes(r.nextInt(60 * 24 * 330));
      int nLines = r.nextInt(1, 4);
      double total = 0;
      for (int l = 0; l < nLines; l++) {
        String[] product = PRODUCTS[r.nextInt(PRODUCTS.length)];
        int qty = r.nextInt(1, 3);
        total += qty * Double.parseDouble(product[2]);
        lines.row(String.join(",", orderId + "-" + l, orderId, product[0], product[1], String.valueOf(qty), product[2]));
      }
      String amount = String.format(Locale.ROOT, "%.2f", total);
      if (r.nextDouble() < malformedRate) {
        amount = "\"" + amount.replace('.', ',') + "\"";
        bad++;
      }
      String status = r.nextDouble() < 0.9 ? "completed" : r.nextBoolean() ? "returned" : "cancelled";
      String channel = customer.startsWith("P") ? "store" : "online";
      orders.row(String.join(",", orderId, customer, ts.format(CRM_TS), status, amount, "USD", channel,
          ts.plusDays(r.nextInt(3)).format(CRM_TS)));
    }
    return bad;
  }

  private void emailEventsFor(ChunkedWriter events, String contactId, String email, int person, SplittableRandom r) {
    if (email.isEmpty()) {
      return;
    }
    int sends = r.nextInt(0, 4);
    int e = 0;
    for (int s = 0; s < sends; s++) {
      String campaign = CAMPAIGNS[r.nextInt(CAMPAIGNS.length)];
      LocalDateTime sent = EPOCH.plusMinutes(r.nextInt(60 * 24 * 330));
      e = event(events, contactId, email, person, e, "sent", campaign, sent);
      if (r.nextDouble() < 0.35) {
        e = event(events, contactId, email, person, e, "open", campaign, sent.plusMinutes(r.nextInt(5, 3000)));
        if (r.nextDouble() < 0.3) {
          e = event(events, contactId, email, person, e, "click", campaign, sent.plusMinutes(r.nextInt(3000, 4000)));
        }
      }
    }
  }

  private static int event(ChunkedWriter events, String contactId, String email, int person, int n, String type,
      String campaign, LocalDateTime at) {
    events.row("{\"event_id\":\"E" + person + "-" + contactId + "-" + n + "\",\"contact_id\":\"" + contactId
        + "\",\"email\":" + json(email) + ",\"event_type\":\"" + type + "\",\"occurred_at\":\"" + at
        + ":00Z\",\"campaign\":\"" + campaign + "\"}");
    return n + 1;
  }

  private static String nickname(NameData.GivenName given, SplittableRandom r) {
    return given.nicknames().isEmpty() ? given.name() : given.nicknames().get(r.nextInt(given.nicknames().size()));
  }

  /** One keyboard-style error: a swapped, dropped or doubled letter. */
  static String typo(String s, SplittableRandom r) {
    if (s.length() < 4) {
      return s;
    }
    int i = r.nextInt(1, s.length() - 1);
    return switch (r.nextInt(3)) {
      case 0 -> s.substring(0, i) + s.charAt(i + 1) + s.charAt(i) + s.substring(i + 2);
      case 1 -> s.substring(0, i) + s.substring(i + 1);
      default -> s.substring(0, i) + s.charAt(i) + s.substring(i);
    };
  }

  private static <T> T pick(List<T> list, SplittableRandom r) {
    return list.get(r.nextInt(list.size()));
  }

  private static String ascii(String s) {
    return java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD).replaceAll("\\p{M}", "");
  }

  private static String csv(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  private static String json(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
