package io.lakecdp.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The name, nickname and place lists the generator draws from (resources of this module). */
final class NameData {
  record GivenName(String name, String gender, List<String> nicknames) {}

  record Place(String city, String state, String zipPrefix, String areaCode) {}

  final List<GivenName> givenNames = new ArrayList<>();
  final List<String> lastNames = new ArrayList<>();
  /** English-looking surnames made of a root and an ending (Ashford, Blackwell...): the long tail of surnames. */
  final List<String> compoundLastNames = new ArrayList<>();
  private static final String[] ROOTS = {"Ash", "Black", "Brook", "Bram", "Brad", "Cald", "Carl", "Chad", "Crom", "Dal",
      "Dun", "East", "Elm", "Fair", "Fern", "Gold", "Green", "Hal", "Hart", "Haw", "Hay", "Holl", "Kings", "Lang",
      "Lind", "Lock", "Mar", "Mill", "Moor", "New", "North", "Oak", "Pem", "Pres", "Red", "Rich", "Ross", "Rut", "Sal",
      "Shel", "South", "Stan", "Stock", "Stone", "Sum", "Thorn", "Tre", "Wal", "West", "Whit", "Wick", "Wild", "Win",
      "Wood", "Wor", "Ald", "Bar", "Bel", "Crag", "Dray"};
  private static final String[] SUFFIXES = {"ford", "well", "ton", "ley", "field", "wood", "more", "by", "ham", "worth",
      "stead", "brook", "man", "son", "dale", "hurst", "combe", "cott", "wick", "bury", "land", "ridge", "gate", "shaw",
      "thorpe", "ington", "low", "mere", "well-Smith", "stone"};
  final List<Place> places = new ArrayList<>();

  static NameData load() {
    NameData d = new NameData();
    for (String line : lines("first_names.csv")) {
      String[] p = line.split(",", -1);
      List<String> nicks = p[2].isEmpty() ? List.of() : List.of(p[2].split("\\|"));
      d.givenNames.add(new GivenName(p[0], p[1], nicks));
    }
    d.lastNames.addAll(lines("last_names.txt"));
    for (String root : ROOTS) {
      for (String suffix : SUFFIXES) {
        d.compoundLastNames.add(root + suffix);
      }
    }
    for (String line : lines("places.csv")) {
      String[] p = line.split(",", -1);
      d.places.add(new Place(p[0], p[1], p[2], p[3]));
    }
    return d;
  }

  private static List<String> lines(String resource) {
    List<String> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        NameData.class.getResourceAsStream(resource), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.isBlank() && !line.startsWith("#")) {
          out.add(line.strip());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
