package io.lakecdp.identity;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Given-name equivalence from the curated table {@code nicknames.csv}: "bob" and "robert" share the
 * canonical form "robert". A variant listed under several names ("alex") belongs to all of them.
 */
public final class Nicknames {
  private static final Map<String, Set<String>> CANONICAL = load();

  private Nicknames() {}

  /** The canonical names a (normalized) given name stands for; the name itself when it is not listed. */
  public static Set<String> canonical(String name) {
    Set<String> c = CANONICAL.get(name);
    return c == null ? Set.of(name) : c;
  }

  /** Whether two normalized given names can be the same person's (equal, or share a canonical name). */
  public static boolean equivalent(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    for (String c : canonical(a)) {
      if (canonical(b).contains(c)) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, Set<String>> load() {
    Map<String, Set<String>> m = new HashMap<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        Nicknames.class.getResourceAsStream("nicknames.csv"), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] p = line.trim().split(",", 2);
        m.computeIfAbsent(p[0], k -> new HashSet<>()).add(p[0]);
        for (String v : p[1].split("\\|")) {
          m.computeIfAbsent(v, k -> new HashSet<>()).add(p[0]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return m;
  }
}
