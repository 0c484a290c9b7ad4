package io.openkms.cli.config;

/**
 * The config file's {@code api} section, in KES's form (one entry per endpoint path):
 *
 * <pre>
 * api:
 *   /v1/health/metrics:
 *     skip_auth: true      # any client may scrape the metrics (default false: SysAdmin only)
 * </pre>
 *
 * @param metricsSkipAuth {@code /v1/health/metrics} answers any client, not only SysAdmins
 */
public record ApiConfig(boolean metricsSkipAuth) {

  /** The path of the metrics endpoint, as the section names it. */
  public static final String METRICS_PATH = "/v1/health/metrics";

  /** Metrics for SysAdmins only. */
  public static final ApiConfig DEFAULT = new ApiConfig(false);
}
