/**
 * JMH micro-benchmarks of the read path of docs/ARCHITECTURE.md §4: the AEAD call, the key lookup
 * in an immutable key ring, command framing, the caller-identity lookup and the authorization
 * check. Run {@code java -jar benchmarks/target/benchmarks.jar} (see {@code docs/PERFORMANCE.md}).
 */
package io.openkms.bench;
