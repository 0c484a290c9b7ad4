package io.openkms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@link BuildInfo}: the Maven-filtered build.properties. */
class BuildInfoTest {

  private static Properties properties(String version, String release, String commit) {
    Properties properties = new Properties();
    if (version != null) {
      properties.setProperty("version", version);
    }
    if (release != null) {
      properties.setProperty("release", release);
    }
    if (commit != null) {
      properties.setProperty("commit", commit);
    }
    return properties;
  }

  @Test
  void readsTheThreeFields() {
    BuildInfo info =
        BuildInfo.of(
            properties(
                "0.1.0", "2025-11-12T19-14-51Z", "0123456789abcdef0123456789abcdef01234567"));
    assertEquals(
        new BuildInfo("0.1.0", "2025-11-12T19-14-51Z", "0123456789abcdef0123456789abcdef01234567"),
        info);
    assertEquals("v1", info.apiVersion());
    assertEquals(
        "minkms version 2025-11-12T19-14-51Z (commit=0123456789abcdef0123456789abcdef01234567)",
        info.versionLine());
  }

  @Test
  void missingBlankOrUnfilteredValuesAreUnknown() {
    assertEquals(
        new BuildInfo("unknown", "unknown", "unknown"),
        BuildInfo.of(properties(null, " ", "${minkms.commit}")));
  }

  @Test
  void theBuildFilledInReleaseCommitAndVersion() {
    BuildInfo current = BuildInfo.current();
    assertEquals("0.1.0", current.projectVersion());
    assertTrue(
        current.release().matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}Z"), current.release());
    assertTrue(current.commit().matches("[0-9a-f]{40}|unknown"), current.commit());
  }
}
