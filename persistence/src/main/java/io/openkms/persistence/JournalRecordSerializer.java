package io.openkms.persistence;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.Optional;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;

/**
 * Serializer of {@link JournalRecord} (bound in this module's {@code reference.conf} as {@code
 * journal}): the payload as Jackson CBOR of its manifest's type ({@link JournalManifests}), sealed
 * under the node's root encryption key bound to manifest, persistence id and sequence number
 * ({@link JournalRecordCodec}). The journal's manifest column holds the record's stable manifest,
 * never a class name. Rows written before (serializer {@link SealingSerializer#IDENTIFIER},
 * class-name manifests) keep being read by {@link SealingSerializer}.
 *
 * <p>Errors: {@link NotSerializableException} {@code cannot unseal <manifest>: invalid ciphertext
 * (wrong root encryption key or tampered journal)}, or {@code unknown journal manifest <m>}.
 */
public final class JournalRecordSerializer extends SerializerWithStringManifest {
  /** Serializer id stored in the journal's {@code *_ser_id} columns. Never change it. */
  public static final int IDENTIFIER = 7373003;

  private final Sealing sealing;
  private final ObjectMapper cbor;
  private final JournalManifests manifests;

  /** Created by Pekko from {@code pekko.actor.serializers.journal}. */
  public JournalRecordSerializer(ExtendedActorSystem system) {
    this.sealing = Sealing.get(system);
    this.cbor =
        JacksonObjectMapperProvider.get(system)
            .getOrCreate(SealingSerializer.JACKSON_BINDING, Optional.of(new CBORFactory()));
    this.manifests =
        new JournalManifests(system.settings().config(), system.dynamicAccess().classLoader());
  }

  /** {@value #IDENTIFIER}. */
  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  /** The record's stable manifest. */
  @Override
  public String manifest(Object o) {
    return record(o).manifest();
  }

  /**
   * @throws IllegalArgumentException not a {@link JournalRecord}, or its manifest is not mapped
   * @throws IllegalStateException {@code root encryption key not installed}
   */
  @Override
  public byte[] toBinary(Object o) {
    JournalRecord r = record(o);
    Class<?> type = manifests.type(r.manifest());
    if (type == null || !type.isInstance(r.payload())) {
      throw new IllegalArgumentException(
          "cannot journal "
              + r.payload().getClass().getName()
              + " as "
              + r.manifest()
              + ": see "
              + JournalManifests.CONFIG_PATH);
    }
    byte[] bytes;
    try {
      bytes = cbor.writerFor(type).writeValueAsBytes(r.payload());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot encode " + r.manifest() + ": " + e.getMessage(), e);
    }
    return JournalRecordCodec.seal(
        sealing.rek(), r.manifest(), r.persistenceId(), r.sequenceNr(), bytes);
  }

  /** Opens and decodes a record. */
  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    Class<?> type = manifests.type(manifest);
    if (type == null) {
      throw new NotSerializableException("unknown journal manifest " + manifest);
    }
    JournalRecordCodec.Opened opened;
    try {
      opened = JournalRecordCodec.open(sealing.rek(), bytes, manifest);
    } catch (UnsealException e) {
      throw new NotSerializableException(
          "cannot unseal "
              + manifest
              + ": "
              + UnsealException.MESSAGE
              + " (wrong root encryption key or tampered journal)");
    }
    try {
      return new JournalRecord(
          manifest,
          opened.persistenceId(),
          opened.sequenceNr(),
          cbor.readValue(opened.cbor(), type));
    } catch (IOException e) {
      throw new NotSerializableException("cannot decode " + manifest + ": " + e.getMessage());
    }
  }

  /**
   * The plaintext (CBOR) of a stored event or snapshot payload, whichever serializer wrote it
   * (tools and tests that audit a store with the node's REK).
   *
   * @param serId the row's serializer id ({@value #IDENTIFIER} or {@link
   *     SealingSerializer#IDENTIFIER})
   * @param manifest the row's serializer manifest
   * @throws UnsealException wrong key, altered bytes, or another serializer
   */
  public static byte[] plaintext(RootEncryptionKey rek, int serId, String manifest, byte[] payload)
      throws UnsealException {
    if (serId == IDENTIFIER) {
      return JournalRecordCodec.open(rek, payload, manifest).cbor();
    }
    if (serId == SealingSerializer.IDENTIFIER) {
      return rek.unseal(payload, manifest.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    throw new UnsealException();
  }

  private static JournalRecord record(Object o) {
    if (o instanceof JournalRecord r) {
      return r;
    }
    throw new IllegalArgumentException("not a journal record: " + o.getClass().getName());
  }
}
