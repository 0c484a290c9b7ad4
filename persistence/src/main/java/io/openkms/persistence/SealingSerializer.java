package io.openkms.persistence;

import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;

/**
 * Serializer of every {@link Sealed} value (bound in this module's {@code reference.conf} as {@code
 * sealed}): Pekko's Jackson CBOR serializer makes the bytes, then the node's root encryption key
 * seals them, {@code rek.seal(cbor, associatedData = UTF-8 manifest)}. So no event or snapshot
 * reaches the journal in the clear (docs/ARCHITECTURE.md §2), and a sealed payload cannot be
 * replayed under another type's manifest.
 *
 * <p>The CBOR side uses the Jackson binding {@value #JACKSON_BINDING}, whose configuration is
 * {@code pekko.serialization.jackson.jackson-cbor} plus an allowed class prefix {@code io.openkms.}
 * (our records need no annotations); the bytes are jackson-cbor bytes.
 *
 * <p>Errors: before {@link Sealing#install}, {@link IllegalStateException} {@code root encryption
 * key not installed}; on a wrong REK or tampered bytes, {@link NotSerializableException} {@code
 * cannot unseal <manifest>: invalid ciphertext (wrong root encryption key or tampered journal)}.
 */
public final class SealingSerializer extends SerializerWithStringManifest {
  /** Serializer id stored in the journal's {@code *_ser_id} columns. Never change it. */
  public static final int IDENTIFIER = 7373001;

  /** Jackson binding name used for the inner CBOR bytes (see {@code reference.conf}). */
  public static final String JACKSON_BINDING = "minkms-sealed-cbor";

  private final Sealing sealing;
  private final JacksonCborSerializer cbor;
  private final ClassLoader classLoader;

  /** Created by Pekko from {@code pekko.actor.serializers.sealed}. */
  public SealingSerializer(ExtendedActorSystem system) {
    this.sealing = Sealing.get(system);
    this.cbor = new JacksonCborSerializer(system, JACKSON_BINDING);
    this.classLoader = system.dynamicAccess().classLoader();
  }

  /** {@value #IDENTIFIER}. */
  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  /** The class name of {@code o}. */
  @Override
  public String manifest(Object o) {
    return o.getClass().getName();
  }

  /**
   * CBOR, then sealed: {@code nonce(12) ‖ ciphertext ‖ tag(16)}.
   *
   * @throws IllegalArgumentException if {@code o} is not {@link Sealed}
   * @throws IllegalStateException {@code root encryption key not installed}
   */
  @Override
  public byte[] toBinary(Object o) {
    if (!(o instanceof Sealed)) {
      throw new IllegalArgumentException(
          "cannot seal "
              + o.getClass().getName()
              + ": it does not implement "
              + Sealed.class.getName());
    }
    var rek = sealing.rek();
    return rek.seal(cbor.toBinary(o), ad(manifest(o)));
  }

  /**
   * Unseals, then decodes CBOR.
   *
   * @throws NotSerializableException wrong REK, tampered bytes, or a manifest that is not a {@link
   *     Sealed} class
   * @throws IllegalStateException {@code root encryption key not installed}
   */
  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    var rek = sealing.rek();
    byte[] plain;
    try {
      plain = rek.unseal(bytes, ad(manifest));
    } catch (UnsealException e) {
      throw new NotSerializableException(
          "cannot unseal "
              + manifest
              + ": "
              + UnsealException.MESSAGE
              + " (wrong root encryption key or tampered journal)");
    }
    checkSealedClass(manifest);
    return cbor.fromBinary(plain, manifest);
  }

  private void checkSealedClass(String manifest) throws NotSerializableException {
    String className = manifest.split("#", 2)[0];
    Class<?> type;
    try {
      type = Class.forName(className, false, classLoader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new NotSerializableException("cannot unseal " + manifest + ": unknown class");
    }
    if (!Sealed.class.isAssignableFrom(type)) {
      throw new NotSerializableException(
          "cannot unseal " + manifest + ": not a " + Sealed.class.getName() + " class");
    }
  }

  private static byte[] ad(String manifest) {
    return manifest.getBytes(StandardCharsets.UTF_8);
  }
}
