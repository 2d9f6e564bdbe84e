package io.lakecdp.common.config.definition;

import io.lakecdp.common.config.ConfigException;
import io.lakecdp.common.config.ConfigFiles;
import io.lakecdp.common.config.YamlNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code conf/tenants/<t>/waterfalls/<id>.yaml}: an ordered list of segments; a member of several of
 * them is a member only of the first.
 */
public record Waterfall(String id, Path file, List<String> segments) {
  public static List<Waterfall> loadAll(Path dir, Set<String> segmentIds) {
    List<Waterfall> out = new ArrayList<>();
    List<String> claimed = new ArrayList<>();
    for (Path f : ConfigFiles.list(dir, ".yaml")) {
      YamlNode root = YamlNode.load(f).allowOnly(Set.of("segments", "description"));
      List<String> segments = root.required("segments").asStringList();
      for (int i = 0; i < segments.size(); i++) {
        String s = segments.get(i);
        if (!segmentIds.contains(s)) {
          throw new ConfigException(f.toString(), "segments[" + i + "]", "unknown segment '" + s + "'");
        }
        if (claimed.contains(s)) {
          throw new ConfigException(f.toString(), "segments[" + i + "]", "segment '" + s
              + "' is already in another waterfall (or listed twice)");
        }
        claimed.add(s);
      }
      out.add(new Waterfall(ConfigFiles.baseName(f, ".yaml"), f, segments));
    }
    return out;
  }
}
