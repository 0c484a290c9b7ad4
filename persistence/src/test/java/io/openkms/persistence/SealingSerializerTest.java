package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link SealingSerializer} and {@link Sealing} inside a small local actor system. */
class SealingSerializerTest {
  private final ActorTestKit kit = ActorTestKit.create("sealing", JournalScenario.TEST_CONFIG);
  private final Serialization serialization =
      SerializationExtension.get(Adapter.toClassic(kit.system()));
  private final Vault.Stored event =
      new Vault.Stored(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, "the marker");

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private SealingSerializer serializer() {
    Serializer s = serialization.findSerializerFor(event);
    return assertInstanceOf(SealingSerializer.class, s);
  }

  @Test
  void referenceConfBindsSealedTypesAndDisablesJavaSerialization() {
    var config = kit.system().settings().config();
    assertEquals(
        "io.openkms.persistence.SealingSerializer",
        config.getString("pekko.actor.serializers.sealed"));
    assertEquals(
        "sealed",
        config.getString("pekko.actor.serialization-bindings.\"io.openkms.persistence.Sealed\""));
    assertFalse(config.getBoolean("pekko.actor.allow-java-serialization"));
    assertEquals(
        List.of("io.openkms."),
        config.getStringList(
            "pekko.serialization.jackson.minkms-sealed-cbor.allowed-class-prefix"));
    assertEquals(7373001, serializer().identifier());
    assertInstanceOf(
        SealingSerializer.class, serialization.findSerializerFor(new Vault.State(List.of())));
  }

  @Test
  void useBeforeInstallFails() {
    var e = assertThrows(IllegalStateException.class, () -> serializer().toBinary(event));
    assertEquals("root encryption key not installed", e.getMessage());
    var f =
        assertThrows(
            IllegalStateException.class,
            () -> serializer().fromBinary(new byte[40], Vault.Stored.class.getName()));
    assertEquals("root encryption key not installed", f.getMessage());
    assertFalse(Sealing.get(kit.system()).isInstalled());
  }

  @Test
  void roundTripIsJacksonCborSealedUnderTheRek() throws Exception {
    RootEncryptionKey rek = RootEncryptionKey.generate();
    Sealing.get(kit.system()).install(rek);
    SealingSerializer s = serializer();

    assertEquals(Vault.Stored.class.getName(), s.manifest(event));
    byte[] bytes = s.toBinary(event);
    assertEquals(-1, TreeDigest.indexOf(bytes, event.secret()));
    assertEquals(-1, TreeDigest.indexOf(bytes, "the marker".getBytes(StandardCharsets.UTF_8)));

    byte[] cbor = rek.unseal(bytes, Vault.Stored.class.getName().getBytes(StandardCharsets.UTF_8));
    assertEquals(cbor.length + 28, bytes.length);
    JsonNode tree = new CBORMapper().readTree(cbor);
    assertEquals("the marker", tree.get("marker").asText());
    assertArrayEquals(event.secret(), tree.get("secret").binaryValue());
    var jackson =
        new JacksonCborSerializer(
            (ExtendedActorSystem) Adapter.toClassic(kit.system()),
            SealingSerializer.JACKSON_BINDING);
    assertArrayEquals(jackson.toBinary(event), cbor);

    Vault.Stored back = (Vault.Stored) s.fromBinary(bytes, s.manifest(event));
    assertArrayEquals(event.secret(), back.secret());
    assertEquals("the marker", back.marker());

    Vault.State state = new Vault.State(List.of(event, event));
    Vault.State stateBack = (Vault.State) s.fromBinary(s.toBinary(state), s.manifest(state));
    assertEquals(2, stateBack.entries().size());
    assertEquals("the marker", stateBack.entries().get(1).marker());
  }

  @Test
  void tamperedBytesWrongRekOrOtherManifestFail() throws Exception {
    RootEncryptionKey rek = RootEncryptionKey.generate();
    Sealing.get(kit.system()).install(rek);
    SealingSerializer s = serializer();
    byte[] bytes = s.toBinary(event);
    String manifest = Vault.Stored.class.getName();
    String expected =
        "cannot unseal "
            + manifest
            + ": invalid ciphertext (wrong root encryption key or tampered journal)";

    byte[] tampered = bytes.clone();
    tampered[20] ^= 1;
    var e = assertThrows(NotSerializableException.class, () -> s.fromBinary(tampered, manifest));
    assertEquals(expected, e.getMessage());

    var other =
        assertThrows(
            NotSerializableException.class, () -> s.fromBinary(bytes, Vault.State.class.getName()));
    assertEquals(
        "cannot unseal "
            + Vault.State.class.getName()
            + ": invalid ciphertext (wrong root encryption key or tampered journal)",
        other.getMessage());

    ActorTestKit second = ActorTestKit.create("sealing-other", JournalScenario.TEST_CONFIG);
    try {
      Sealing.get(second.system()).install(RootEncryptionKey.generate());
      Serializer s2 =
          SerializationExtension.get(Adapter.toClassic(second.system())).findSerializerFor(event);
      var w =
          assertThrows(
              NotSerializableException.class,
              () -> ((SealingSerializer) s2).fromBinary(bytes, manifest));
      assertEquals(expected, w.getMessage());
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void manifestMustNameASealedClass() {
    RootEncryptionKey rek = RootEncryptionKey.generate();
    Sealing.get(kit.system()).install(rek);
    SealingSerializer s = serializer();
    byte[] forString =
        rek.seal(new byte[] {0x60}, "java.lang.String".getBytes(StandardCharsets.UTF_8));
    var e =
        assertThrows(
            NotSerializableException.class, () -> s.fromBinary(forString, "java.lang.String"));
    assertEquals(
        "cannot unseal java.lang.String: not a io.openkms.persistence.Sealed class",
        e.getMessage());
    byte[] forMissing =
        rek.seal(new byte[] {0x60}, "io.openkms.Nope".getBytes(StandardCharsets.UTF_8));
    var f =
        assertThrows(
            NotSerializableException.class, () -> s.fromBinary(forMissing, "io.openkms.Nope"));
    assertEquals("cannot unseal io.openkms.Nope: unknown class", f.getMessage());
  }

  @Test
  void refusesValuesThatAreNotSealed() {
    Sealing.get(kit.system()).install(RootEncryptionKey.generate());
    var e = assertThrows(IllegalArgumentException.class, () -> serializer().toBinary("plain"));
    assertEquals(
        "cannot seal java.lang.String: it does not implement io.openkms.persistence.Sealed",
        e.getMessage());
  }

  @Test
  void installIsOnceAndSharedBetweenTypedAndClassicViews() {
    Sealing sealing = Sealing.get(kit.system());
    assertSame(sealing, Sealing.get(Adapter.toClassic(kit.system())));
    RootEncryptionKey rek = RootEncryptionKey.generate();
    sealing.install(rek);
    sealing.install(rek);
    assertTrue(sealing.isInstalled());
    assertSame(rek, sealing.rek());
    var e =
        assertThrows(
            IllegalStateException.class, () -> sealing.install(RootEncryptionKey.generate()));
    assertEquals("a different root encryption key is already installed", e.getMessage());
    assertSame(rek, sealing.rek());
  }
}
