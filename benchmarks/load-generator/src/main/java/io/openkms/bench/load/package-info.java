/**
 * The load generator behind {@code minkms bench} (the command, {@code
 * io.openkms.cli.commands.BenchCommand}, reads the options and prints): the plan of a run ({@link
 * BenchPlan}), the operations ({@link BenchOperation}), the setup and requests against a server
 * ({@link BenchWorkload}), the timed steps ({@link LoadRunner}, {@link BenchSweep}) with bounded
 * latency samples ({@link LatencySamples}, {@link Latencies}), the output ({@link BenchReport}),
 * and the blocking HTTP/1.1 connection per worker ({@link KmsConnection}, {@link
 * WorkerConnections}). Not product code: the distribution carries it only for {@code minkms bench}.
 */
package io.openkms.bench.load;
