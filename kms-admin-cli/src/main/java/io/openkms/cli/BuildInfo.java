package io.openkms.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this build is: the Maven project version, the release name and the git commit, read from the
 * resource {@code io/openkms/cli/build.properties} that Maven filters at build time
 * (kms-admin-cli/pom.xml). Served by {@code minkms --version} and, through the node launcher, by
 * {@code GET /version} ({@code VersionResponse}: version = {@link #release()}, commit = {@link
 * #commit()}, api_version = {@link #apiVersion()}; docs/PROTOCOL.md §5).
 *
 * @param projectVersion the Maven version, e.g. {@code 0.1.0}
 * @param release the release name: the UTC build time as {@code yyyy-MM-ddTHH-mm-ssZ}, e.g. {@code
 *     2025-11-12T19-14-51Z} (the reference's form), or {@link #UNKNOWN}
 * @param commit the 40-hex-digit git commit of the build, or {@link #UNKNOWN}
 */
public record BuildInfo(String projectVersion, String release, String commit) {
  /** Value of a field the build did not fill in (no git, resource not filtered). */
  public static final String UNKNOWN = "unknown";

  /**
   * The API version this build speaks (docs/PROTOCOL.md §5 {@code VersionResponse.api_version}).
   */
  public static final String API_VERSION = "v1";

  private static final String RESOURCE = "/io/openkms/cli/build.properties";
  private static final BuildInfo CURRENT = load();

  /** The build info of the running program. */
  public static BuildInfo current() {
    return CURRENT;
  }

  /**
   * Build info from the properties {@code version}, {@code release} and {@code commit}; a missing,
   * blank or unfiltered ({@code ${...}}) value becomes {@link #UNKNOWN}.
   */
  public static BuildInfo of(Properties properties) {
    return new BuildInfo(
        value(properties, "version"), value(properties, "release"), value(properties, "commit"));
  }

  /** Always {@code v1}. */
  public String apiVersion() {
    return API_VERSION;
  }

  /**
   * The line printed by {@code minkms --version}: {@code minkms version <release> (commit=<sha>)}.
   */
  public String versionLine() {
    return "minkms version " + release + " (commit=" + commit + ")";
  }

  private static String value(Properties properties, String name) {
    String value = properties.getProperty(name, "").trim();
    return value.isEmpty() || value.contains("${") ? UNKNOWN : value;
  }

  private static BuildInfo load() {
    Properties properties = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    return of(properties);
  }
}
