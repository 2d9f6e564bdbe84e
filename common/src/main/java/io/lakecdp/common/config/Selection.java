package io.lakecdp.common.config;

import java.util.List;
import java.util.function.Function;

/** The part of a tenant's definitions a command line asks for (--insight a,b, --transform x, ...). */
public final class Selection {
  private Selection() {
  }

  /**
   * The definitions named in {@code wanted}, in their own order; all of them when {@code wanted} is null.
   *
   * @param where the folder the definitions come from, for the error
   * @param option the command-line option that named them
   * @param kind what a definition is called in messages (insight, transform, activation)
   * @throws ConfigException naming the option and every known name, when a wanted name is unknown
   */
  public static <T> List<T> named(List<T> all, List<String> wanted, Function<T, String> name, String where,
      String option, String kind) {
    if (wanted == null) {
      return all;
    }
    List<String> known = all.stream().map(name).toList();
    for (String w : wanted) {
      if (!known.contains(w)) {
        throw new ConfigException(where, option, "no " + kind + " '" + w + "' (" + kind + "s: "
            + String.join(", ", known) + ")");
      }
    }
    return all.stream().filter(d -> wanted.contains(name.apply(d))).toList();
  }
}
