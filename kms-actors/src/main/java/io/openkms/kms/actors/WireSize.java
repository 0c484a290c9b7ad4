package io.openkms.kms.actors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.replication.MessageBudget;
import java.io.IOException;
import java.util.Optional;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;

/**
 * The size of a replicated command on the wire between nodes, measured with the object mapper of
 * Pekko's {@code jackson-cbor} binding (the serializer of {@link InternodeMessage}, compression
 * off): the bytes of its {@link ReplicationMessages.WireEntry}. It gives the replication machines
 * their {@link io.openkms.kms.replication.CommandSize} and checks a change before it is assigned an
 * index ({@link #check}).
 */
public final class WireSize {

  /** The config file key of the change-size bound, as the errors name it. */
  public static final String CONFIG_KEY = "limits: max_change_size";

  private final ObjectMapper mapper;

  private WireSize(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /**
   * The sizes as {@code system}'s {@code jackson-cbor} serializer writes them.
   *
   * @param system any actor system of the node (the mapper's settings are the library defaults plus
   *     the operator's {@code pekko.serialization.jackson} overrides)
   */
  public static WireSize of(ClassicActorSystemProvider system) {
    // the factory must be CBOR: the provider caches one mapper per binding name, and Pekko's own
    // jackson-cbor serializer asks for the same one
    return new WireSize(
        JacksonObjectMapperProvider.get(system)
            .getOrCreate("jackson-cbor", Optional.of(new CBORFactory())));
  }

  /**
   * The serialized size of {@code command} as a log entry.
   *
   * @return the size in bytes; {@link Long#MAX_VALUE} if it cannot be serialized (never sent)
   */
  public long bytes(LogCommand command) {
    try {
      return mapper.writeValueAsBytes(entry(command)).length;
    } catch (IOException | RuntimeException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Checks that {@code command} can cross the wire: it serializes, deserializes, and is at most
   * {@code budget.maxChangeBytes()} bytes. Called before the leader assigns it an index (and by the
   * node that receives the request, before it forwards it), so that a change no member could
   * receive never enters the log.
   *
   * @return its size in bytes
   * @throws KmsException 400 {@code change too large: <n> bytes, the limit is <max> bytes (limits:
   *     max_change_size)}, or 400 {@code change cannot be replicated: <reason>}
   */
  public long check(LogCommand command, MessageBudget<LogCommand> budget) {
    byte[] bytes;
    try {
      bytes = mapper.writeValueAsBytes(entry(command));
      mapper.readValue(bytes, ReplicationMessages.WireEntry.class);
    } catch (IOException | RuntimeException e) {
      throw ApiError.notReplicable(
          e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage()));
    }
    if (!budget.admits(bytes.length)) {
      throw tooLarge(bytes.length, budget.maxChangeBytes());
    }
    return bytes.length;
  }

  /**
   * 400 {@code change too large: <n> bytes, the limit is <max> bytes (limits: max_change_size)}.
   */
  public static KmsException tooLarge(long bytes, long maxBytes) {
    return ApiError.changeTooLarge(bytes, maxBytes, CONFIG_KEY);
  }

  /**
   * The state as the snapshot of a join carries it (the same encoding as every internode message).
   *
   * @throws IllegalStateException if it cannot be encoded
   */
  public byte[] encodeState(KmsState state) {
    try {
      return mapper.writeValueAsBytes(state);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the state: " + e.getMessage(), e);
    }
  }

  /**
   * The state from {@link #encodeState} bytes.
   *
   * @throws IllegalArgumentException if the bytes are not an encoded state
   */
  public KmsState decodeState(byte[] bytes) {
    try {
      return mapper.readValue(bytes, KmsState.class);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "not a state: " + firstLine(String.valueOf(e.getMessage())), e);
    }
  }

  private static ReplicationMessages.WireEntry entry(LogCommand command) {
    Change change = command.change();
    return new ReplicationMessages.WireEntry(1, 1, change, command.addedNodeId());
  }

  private static String firstLine(String message) {
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return line.length() <= 200 ? line : line.substring(0, 200) + "…";
  }
}
