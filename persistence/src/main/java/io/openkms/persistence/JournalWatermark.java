package io.openkms.persistence;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pekko extension that keeps the journal's {@link JournalHighWaterMark} up to date: the persistent
 * actor reports {@link #journaled} after every journaled batch (on its own thread, so the number is
 * persisted), and one background thread writes the highest reported number, coalescing reports that
 * arrive while it writes (one small file write and fsync per batch at most, off the actor's
 * thread). Without {@link #install} (tests on an in-memory journal) reports are ignored. A failed
 * write is logged and retried with the next report; the node keeps running.
 */
public final class JournalWatermark implements Extension {
  private static final Logger LOG = LoggerFactory.getLogger(JournalWatermark.class);
  private static final Id ID = new Id();

  private final AtomicReference<JournalHighWaterMark> mark = new AtomicReference<>();
  private final AtomicLong target = new AtomicLong();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "minkms-journal-hwm");
            t.setDaemon(true);
            return t;
          });
  private long written = -1;

  private JournalWatermark() {}

  /** The extension of a classic actor system. */
  public static JournalWatermark get(ActorSystem system) {
    return ID.get(system);
  }

  /** The extension of a typed actor system. */
  public static JournalWatermark get(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    return ID.get(Adapter.toClassic(system));
  }

  /** Starts keeping {@code hwm}, before the persistent actor starts. */
  public void install(JournalHighWaterMark hwm) {
    mark.set(hwm);
  }

  /**
   * Reports that the journal holds everything up to {@code seqNr}. Call only once the events are
   * persisted (a mark above the journal's end would refuse the next start).
   */
  public void journaled(long seqNr) {
    if (mark.get() == null) {
      return;
    }
    target.accumulateAndGet(seqNr, Math::max);
    if (scheduled.compareAndSet(false, true)) {
      writer.execute(this::writePending);
    }
  }

  /** Blocks until the mark reported so far is written (tests, orderly stop). */
  public void flush() {
    try {
      writer.submit(this::writePending).get();
    } catch (Exception e) {
      LOG.warn("cannot flush the journal high-water mark: {}", e.toString());
    }
  }

  private void writePending() {
    scheduled.set(false);
    long seqNr = target.get();
    JournalHighWaterMark hwm = mark.get();
    if (hwm == null || seqNr <= written) {
      return;
    }
    try {
      hwm.write(seqNr);
      written = seqNr;
    } catch (IOException e) {
      LOG.warn("cannot write {}: {}", hwm.file(), NodeVolume.reason(e));
    }
  }

  private static final class Id extends AbstractExtensionId<JournalWatermark>
      implements ExtensionIdProvider {
    @Override
    public JournalWatermark createExtension(ExtendedActorSystem system) {
      JournalWatermark w = new JournalWatermark();
      system.registerOnTermination(
          () -> {
            w.flush();
            w.writer.shutdown();
          });
      return w;
    }

    @Override
    public Id lookup() {
      return ID;
    }
  }
}
