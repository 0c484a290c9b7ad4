package io.openkms.persistence;

import com.typesafe.config.Config;
import java.util.HashMap;
import java.util.Map;

/**
 * The stable journal manifests and the types they are read as, from the configuration {@value
 * #CONFIG_PATH} ({@code "minkms.replica.event.v1" = "io.openkms.kms.actors.ReplicaEvent"}; each
 * module that journals adds its own in its {@code reference.conf}). A manifest never changes once a
 * store holds it: renaming the Java type changes only the mapping; a new incompatible shape gets a
 * new manifest ({@code …v2}) and keeps reading {@code v1}.
 */
final class JournalManifests {
  /** Configuration path of the manifest → class name map. */
  static final String CONFIG_PATH = "minkms.journal.manifests";

  private final Map<String, Class<?>> types = new HashMap<>();

  /**
   * @throws IllegalArgumentException a mapped class that cannot be loaded
   */
  JournalManifests(Config config, ClassLoader loader) {
    if (!config.hasPath(CONFIG_PATH)) {
      return;
    }
    Config map = config.getConfig(CONFIG_PATH);
    for (var entry : map.root().entrySet()) {
      String className = String.valueOf(entry.getValue().unwrapped());
      try {
        types.put(entry.getKey(), Class.forName(className, false, loader));
      } catch (ClassNotFoundException e) {
        throw new IllegalArgumentException(
            CONFIG_PATH + ": no class " + className + " for manifest " + entry.getKey());
      }
    }
  }

  /** The type of {@code manifest}, or null when it is not a journal manifest. */
  Class<?> type(String manifest) {
    return types.get(manifest);
  }
}
