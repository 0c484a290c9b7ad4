package io.openkms.kms.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What a node reports of its own system in CLUSTER:STATUS (docs/PROTOCOL.md §5.2). */
class NodeSystemTest {

  @Test
  void goArchitectureNames() {
    assertEquals("amd64", NodeSystem.goArch("amd64"));
    assertEquals("amd64", NodeSystem.goArch("x86_64"));
    assertEquals("arm64", NodeSystem.goArch("aarch64"));
    assertEquals("386", NodeSystem.goArch("i386"));
    assertEquals("riscv64", NodeSystem.goArch("riscv64"));
  }

  @Test
  void currentCarriesTheGivenVersionAndTimingsAndThisJvmsFigures() {
    NodeSystem s = NodeSystem.current("2026-11-30T00-00-00Z", 1_000, 7_000);
    assertEquals("2026-11-30T00-00-00Z", s.version());
    assertEquals(1_000, s.heartbeatIntervalMillis());
    assertEquals(7_000, s.electionTimeoutMillis());
    assertEquals(Runtime.getRuntime().availableProcessors(), s.cpus());
    assertTrue(s.heapInUseBytes() > 0);
    assertEquals(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT), s.os());
  }
}
