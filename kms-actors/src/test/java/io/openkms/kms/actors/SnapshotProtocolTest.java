package io.openkms.kms.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.actors.SnapshotMessages.Chunk;
import io.openkms.kms.actors.SnapshotMessages.ChunkRequest;
import io.openkms.kms.actors.SnapshotMessages.Done;
import io.openkms.kms.actors.SnapshotMessages.Offer;
import io.openkms.kms.cluster.StateDigest;
import io.openkms.kms.domain.KmsState;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both sides of a snapshot transfer, each against test probes. The {@link SnapshotSender}'s
 * protocol with Pekko's {@link ActorTestKit} and {@link ManualTime} (its timers run on the test's
 * clock): it offers the state with its length and SHA-256, repeats the offer every {@value
 * SnapshotSender#OFFER_RESEND_MILLIS} ms until the node asks for a chunk, answers each chunk
 * request with its slice, reports the node's {@link Done} as one {@link SnapshotSender.Outcome},
 * and gives up after {@link SnapshotSender#IDLE} of silence. The {@link SnapshotReceiver} pulls the
 * chunks at most {@value SnapshotReceiver#WINDOW} at a time, has the replica journal the checked
 * state and answers the sender with the replica's answer, or a failure naming the reason (an
 * invalid offer, a digest that does not match). The receiver's own give-up bound runs on the node's
 * clock and is tested with its machine (SnapshotAssemblyTest).
 */
class SnapshotProtocolTest {

  static final Duration WAIT = Duration.ofSeconds(5);
  static ActorTestKit kit;
  static ManualTime time;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("snapshot-protocol-test", ManualTime.config());
    time = ManualTime.get(kit.system());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** 3,000 keys: about 0.2 MB encoded, more than one chunk. */
  static final KmsState STATE = SnapshotTransferTest.state(3_000);

  static final SnapshotSender.Install INSTALL =
      new SnapshotSender.Install(2, STATE.membership().clusterId(), 3, 17, 4, 0);

  record Transfer(
      TestProbe<ReplicaLog.Command> target,
      TestProbe<SnapshotSender.Outcome> outcome,
      ActorRef<Object> sender,
      Offer offer) {}

  static Transfer begin() {
    TestProbe<ReplicaLog.Command> target = kit.createTestProbe();
    TestProbe<SnapshotSender.Outcome> outcome = kit.createTestProbe();
    ActorRef<Object> sender =
        kit.spawn(SnapshotSender.create(target.getRef(), INSTALL, STATE, outcome.getRef()));
    Offer offer = (Offer) target.expectMessageClass(Offer.class, WAIT);
    return new Transfer(target, outcome, sender, offer);
  }

  @Test
  void theOfferCarriesTheInstallAndTheChunksReassembleToTheDigestedState() throws Exception {
    Transfer t = begin();
    Offer offer = t.offer();
    assertEquals(2, offer.selfId());
    assertEquals(17, offer.lastIndex());
    assertEquals(4, offer.leaderTerm());
    long chunks = (offer.totalBytes() + offer.chunkBytes() - 1) / offer.chunkBytes();
    assertTrue(chunks > 1, "more than one chunk: " + chunks);
    TestProbe<Chunk> receiver = kit.createTestProbe();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int seq = 0; seq < chunks; seq++) {
      offer.sender().tell(new ChunkRequest(offer.transferId(), seq, receiver.getRef()));
      Chunk chunk = receiver.expectMessageClass(Chunk.class, WAIT);
      assertEquals(seq, chunk.seq());
      assertTrue(chunk.data().length <= offer.chunkBytes());
      all.write(chunk.data());
    }
    assertEquals(offer.totalBytes(), all.size());
    assertArrayEquals(
        offer.sha256(), MessageDigest.getInstance("SHA-256").digest(all.toByteArray()));
    assertEquals(
        StateDigest.of(STATE),
        StateDigest.of(WireSize.of(kit.system()).decodeState(all.toByteArray())));
    // a request of another transfer or out of range is not answered
    offer.sender().tell(new ChunkRequest(offer.transferId() + 1, 0, receiver.getRef()));
    offer.sender().tell(new ChunkRequest(offer.transferId(), (int) chunks, receiver.getRef()));
    receiver.expectNoMessage(Duration.ofMillis(200));
    offer.sender().tell(new Done(offer.transferId(), Done.INSTALLED, 17, 3, ""));
    SnapshotSender.Outcome o = t.outcome().expectMessageClass(SnapshotSender.Outcome.class, WAIT);
    assertNull(o.error());
    assertEquals(new ReplicaLog.Installed(17, 3), o.result());
    t.target().expectTerminated(t.sender(), WAIT);
  }

  @Test
  void theOfferIsRepeatedUntilTheNodeAsksForAChunk() {
    Transfer t = begin();
    time.timePasses(Duration.ofMillis(SnapshotSender.OFFER_RESEND_MILLIS));
    assertEquals(
        t.offer().transferId(), t.target().expectMessageClass(Offer.class, WAIT).transferId());
    TestProbe<Chunk> receiver = kit.createTestProbe();
    t.offer().sender().tell(new ChunkRequest(t.offer().transferId(), 0, receiver.getRef()));
    receiver.expectMessageClass(Chunk.class, WAIT);
    time.timePasses(Duration.ofMillis(3 * SnapshotSender.OFFER_RESEND_MILLIS));
    t.target().expectNoMessage(Duration.ofMillis(200));
    kit.stop(t.sender());
  }

  @Test
  void aNodeThatIsNotFreshRefusesAndTheLeaderHearsIt() {
    Transfer t = begin();
    t.offer().sender().tell(new Done(t.offer().transferId(), Done.REFUSED, 40, 0, ""));
    SnapshotSender.Outcome o = t.outcome().expectMessageClass(SnapshotSender.Outcome.class, WAIT);
    assertEquals(new ReplicaLog.InstallRefused(40), o.result());
  }

  @Test
  void aFailedInstallIsAnErrorNamingTheReason() {
    Transfer t = begin();
    t.offer().sender().tell(new Done(t.offer().transferId(), Done.FAILED, 0, 0, "digest mismatch"));
    SnapshotSender.Outcome o = t.outcome().expectMessageClass(SnapshotSender.Outcome.class, WAIT);
    assertEquals("digest mismatch", o.error().getMessage());
  }

  @Test
  void aNodeSilentForTheIdleBoundFailsTheTransfer() {
    Transfer t = begin();
    TestProbe<Chunk> receiver = kit.createTestProbe();
    t.offer().sender().tell(new ChunkRequest(t.offer().transferId(), 0, receiver.getRef()));
    receiver.expectMessageClass(Chunk.class, WAIT);
    // each request restarts the bound: just below it nothing happens
    time.timePasses(SnapshotSender.IDLE.minusMillis(1));
    t.outcome().expectNoMessage(Duration.ofMillis(200));
    time.timePasses(Duration.ofMillis(1));
    SnapshotSender.Outcome o = t.outcome().expectMessageClass(SnapshotSender.Outcome.class, WAIT);
    assertInstanceOf(TimeoutException.class, o.error());
    assertTrue(o.error().getMessage().contains("within 30000 ms"), o.error().getMessage());
    t.target().expectTerminated(t.sender(), WAIT);
  }

  // ---------------------------------------------------------------- the receiver

  /** The sender's side of a transfer of {@link #STATE} in 16 KiB chunks, answered by the test. */
  record Offered(Offer offer, TestProbe<SnapshotMessages.ToSender> sender, byte[] bytes) {

    int chunkCount() {
      return (int) ((bytes.length + offer.chunkBytes() - 1) / offer.chunkBytes());
    }

    void answer(ChunkRequest r, boolean corrupt) {
      int from = r.seq() * offer.chunkBytes();
      byte[] data =
          Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + offer.chunkBytes()));
      if (corrupt) {
        data[0] ^= 1;
      }
      r.receiver().tell(new Chunk(r.transferId(), r.seq(), data));
    }

    /** Answers every chunk request until each chunk was sent once. */
    void serveAll(boolean corrupt) {
      Set<Integer> sent = new HashSet<>();
      while (sent.size() < chunkCount()) {
        ChunkRequest r = sender.expectMessageClass(ChunkRequest.class, WAIT);
        assertEquals(offer.transferId(), r.transferId());
        answer(r, corrupt);
        sent.add(r.seq());
      }
    }
  }

  static Offered offered(byte[] bytes, byte[] sha256) {
    TestProbe<SnapshotMessages.ToSender> sender = kit.createTestProbe();
    Offer offer =
        new Offer(
            42,
            2,
            STATE.membership().clusterId(),
            3,
            17,
            4,
            0,
            bytes.length,
            16 * 1024,
            sha256,
            sender.getRef());
    return new Offered(offer, sender, bytes);
  }

  static Offered offered() throws Exception {
    byte[] bytes = WireSize.of(kit.system()).encodeState(STATE);
    return offered(bytes, MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void theReceiverPullsTheChunksInAWindowAndJournalsTheCheckedState() throws Exception {
    Offered o = offered();
    assertTrue(o.chunkCount() > SnapshotReceiver.WINDOW, "chunks: " + o.chunkCount());
    TestProbe<ReplicaLog.Command> replica = kit.createTestProbe();
    AtomicInteger progress = new AtomicInteger();
    kit.spawn(SnapshotReceiver.create(o.offer(), replica.getRef(), progress::incrementAndGet));
    List<ChunkRequest> window = new ArrayList<>();
    for (int i = 0; i < SnapshotReceiver.WINDOW; i++) {
      window.add(o.sender().expectMessageClass(ChunkRequest.class, WAIT));
    }
    assertEquals(List.of(0, 1, 2, 3), window.stream().map(ChunkRequest::seq).toList());
    o.sender().expectNoMessage(Duration.ofMillis(200)); // no more than the window in flight
    window.forEach(r -> o.answer(r, false));
    Set<Integer> sent = new HashSet<>(List.of(0, 1, 2, 3));
    while (sent.size() < o.chunkCount()) {
      ChunkRequest r = o.sender().expectMessageClass(ChunkRequest.class, WAIT);
      o.answer(r, false);
      sent.add(r.seq());
    }
    ReplicaLog.Install install = replica.expectMessageClass(ReplicaLog.Install.class, WAIT);
    assertEquals(2, install.selfId());
    assertEquals(17, install.lastIndex());
    assertEquals(4, install.leaderTerm());
    assertEquals(StateDigest.of(STATE), StateDigest.of(install.kms()));
    assertTrue(progress.get() >= o.chunkCount(), "progress on every chunk");
    install.replyTo().tell(new ReplicaLog.Installed(17, 3));
    Done done = o.sender().expectMessageClass(Done.class, WAIT);
    assertEquals(new Done(42, Done.INSTALLED, 17, 3, ""), done);
  }

  @Test
  void aReplicaThatIsNotFreshMakesTheReceiverAnswerRefused() throws Exception {
    Offered o = offered();
    TestProbe<ReplicaLog.Command> replica = kit.createTestProbe();
    kit.spawn(SnapshotReceiver.create(o.offer(), replica.getRef(), () -> {}));
    o.serveAll(false);
    replica
        .expectMessageClass(ReplicaLog.Install.class, WAIT)
        .replyTo()
        .tell(new ReplicaLog.InstallRefused(40));
    assertEquals(
        new Done(42, Done.REFUSED, 40, 0, ""), o.sender().expectMessageClass(Done.class, WAIT));
  }

  @Test
  void chunksThatDoNotMatchTheDigestFailTheTransferAndNothingIsJournaled() throws Exception {
    Offered o = offered();
    TestProbe<ReplicaLog.Command> replica = kit.createTestProbe();
    kit.spawn(SnapshotReceiver.create(o.offer(), replica.getRef(), () -> {}));
    SnapshotMessages.ToSender m;
    do { // answer corrupted chunks until the receiver gives up on the digest
      m = o.sender().expectMessageClass(SnapshotMessages.ToSender.class, WAIT);
      if (m instanceof ChunkRequest r) {
        o.answer(r, true);
      }
    } while (!(m instanceof Done));
    assertEquals(Done.FAILED, ((Done) m).outcome());
    assertFalse(((Done) m).reason().isEmpty());
    replica.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void anInvalidOfferIsAnsweredFailedNamingIt() {
    Offered o = offered(new byte[100], new byte[5]);
    TestProbe<ReplicaLog.Command> replica = kit.createTestProbe();
    kit.spawn(SnapshotReceiver.create(o.offer(), replica.getRef(), () -> {}));
    Done done = o.sender().expectMessageClass(Done.class, WAIT);
    assertEquals(Done.FAILED, done.outcome());
    assertTrue(done.reason().startsWith("invalid offer: "), done.reason());
  }
}
