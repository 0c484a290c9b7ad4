package io.openkms.http.observe;

/**
 * What the API edge reports to: the node's metrics, its audit log, and whether {@code
 * /v1/health/metrics} may be read without a client certificate.
 *
 * @param metrics the node's registry and meters
 * @param audit the audit log ({@link AuditLog#OFF} when disabled)
 * @param metricsSkipAuth true: {@code /v1/health/metrics} answers anyone (config {@code api:
 *     {/v1/health/metrics: {skip_auth: true}}}); false: SysAdmin only
 */
public record Observability(NodeMetrics metrics, AuditLog audit, boolean metricsSkipAuth)
    implements AutoCloseable {

  /** Metrics on (SysAdmin only), no audit log. */
  public static Observability defaults() {
    return new Observability(new NodeMetrics(), AuditLog.OFF, false);
  }

  /** Stops the audit writer (after writing what is queued) and closes the registry. */
  @Override
  public void close() {
    audit.close();
    metrics.close();
  }
}
