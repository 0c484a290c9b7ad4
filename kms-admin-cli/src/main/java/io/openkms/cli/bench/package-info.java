/**
 * The load generator behind {@code minkms bench} ({@link io.openkms.cli.commands.BenchCommand}):
 * the plan of a run ({@link BenchPlan}), the operations ({@link BenchOperation}), the setup and
 * requests against a server ({@link BenchWorkload}), the timed steps ({@link LoadRunner}) with
 * bounded latency samples ({@link LatencySamples}, {@link Latencies}), and the output ({@link
 * BenchReport}).
 */
package io.openkms.cli.bench;
