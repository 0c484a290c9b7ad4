package io.openkms.persistence;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Pekko extension that hands the node's root encryption key to {@link SealingSerializer}
 * (serializers are created by Pekko and cannot take constructor arguments). Call {@code
 * Sealing.get(system).install(volume.rek())} once, before any persistent actor starts; until then
 * every sealed (de)serialization fails with {@code root encryption key not installed}.
 */
public final class Sealing implements Extension {
  /** Message when the serializer runs before {@link #install}. */
  public static final String NOT_INSTALLED = "root encryption key not installed";

  private static final Id ID = new Id();

  private final AtomicReference<RootEncryptionKey> rek = new AtomicReference<>();

  private Sealing() {}

  /** The extension of a classic actor system. */
  public static Sealing get(ActorSystem system) {
    return ID.get(system);
  }

  /** The extension of a typed actor system. */
  public static Sealing get(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    return ID.get(Adapter.toClassic(system));
  }

  /**
   * Installs the REK. Installing the same key again is a no-op.
   *
   * @throws IllegalStateException {@code a different root encryption key is already installed}
   */
  public void install(RootEncryptionKey key) {
    Objects.requireNonNull(key, "key");
    if (!rek.compareAndSet(null, key) && rek.get() != key) {
      throw new IllegalStateException("a different root encryption key is already installed");
    }
  }

  /** True once {@link #install} has run. */
  public boolean isInstalled() {
    return rek.get() != null;
  }

  /**
   * The installed REK.
   *
   * @throws IllegalStateException {@value #NOT_INSTALLED}
   */
  public RootEncryptionKey rek() {
    RootEncryptionKey key = rek.get();
    if (key == null) {
      throw new IllegalStateException(NOT_INSTALLED);
    }
    return key;
  }

  private static final class Id extends AbstractExtensionId<Sealing>
      implements ExtensionIdProvider {
    @Override
    public Sealing createExtension(ExtendedActorSystem system) {
      return new Sealing();
    }

    @Override
    public Id lookup() {
      return ID;
    }
  }
}
