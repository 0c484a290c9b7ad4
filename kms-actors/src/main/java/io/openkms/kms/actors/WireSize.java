package io.openkms.kms.actors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.google.protobuf.CodedOutputStream;
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
 * The size of a replicated command on the wire between nodes, in the internode encoding ({@code
 * io.openkms.kms.cluster.InternodeSerializer}, protobuf, see {@link InternodeCodec}; with {@link
 * #ENCODING_KEY} {@value #JACKSON_CBOR}, the Jackson CBOR of its entry, as earlier releases
 * measured it): the bytes its {@link ReplicationMessages.WireEntry} adds to an {@code Append} or
 * {@code EntriesFetched} message, field tag and length prefix included, with the largest term and
 * index (so the real entry is never larger). It gives the replication machines their {@link
 * io.openkms.kms.replication.CommandSize} and checks a change before it is assigned an index
 * ({@link #check}). It also encodes the state a snapshot install carries ({@link #encodeState}),
 * and still decodes the Jackson-CBOR state of a leader of an earlier release ({@link
 * #decodeState}).
 */
public final class WireSize {

  /**
   * The field number of the entries in {@code Append} (5) and {@code EntriesFetched} (4): both
   * below 16, so the tag is one byte either way.
   */
  private static final int ENTRIES_FIELD = 5;

  /** The config file key of the change-size bound, as the errors name it. */
  public static final String CONFIG_KEY = "limits: max_change_size";

  /**
   * The HOCON key that selects what a node writes to other nodes: {@value #PROTOBUF} (default, the
   * internode encoding) or {@value #JACKSON_CBOR} (the encoding of releases before it, for the
   * first step of a rolling upgrade, docs/CONTRACTS.md "Internode encoding"). A node reads both
   * either way.
   */
  public static final String ENCODING_KEY = "minkms.internode.encoding";

  /** {@link #ENCODING_KEY} value of the protobuf encoding. */
  public static final String PROTOBUF = "protobuf";

  /** {@link #ENCODING_KEY} value of the encoding of earlier releases. */
  public static final String JACKSON_CBOR = "jackson-cbor";

  private final ObjectMapper mapper;
  private final boolean legacy;

  private WireSize(ObjectMapper mapper, boolean legacy) {
    this.mapper = mapper;
    this.legacy = legacy;
  }

  /**
   * True if {@code config} selects the encoding of earlier releases ({@link #ENCODING_KEY}).
   *
   * @throws IllegalArgumentException {@code invalid minkms.internode.encoding '<v>': expected
   *     protobuf or jackson-cbor}
   */
  public static boolean legacyEncoding(com.typesafe.config.Config config) {
    String value = config.hasPath(ENCODING_KEY) ? config.getString(ENCODING_KEY) : PROTOBUF;
    if (value.equals(PROTOBUF)) {
      return false;
    }
    if (value.equals(JACKSON_CBOR)) {
      return true;
    }
    throw new IllegalArgumentException(
        "invalid "
            + ENCODING_KEY
            + " '"
            + value
            + "': expected "
            + PROTOBUF
            + " or "
            + JACKSON_CBOR);
  }

  /**
   * The sizes and state encoding of the internode protocol.
   *
   * @param system any actor system of the node (its {@link #ENCODING_KEY}, and the object mapper of
   *     its {@code jackson-cbor} binding, which reads the states of earlier releases)
   * @throws IllegalArgumentException if {@link #ENCODING_KEY} is invalid
   */
  public static WireSize of(ClassicActorSystemProvider system) {
    // the factory must be CBOR: the provider caches one mapper per binding name, and Pekko's own
    // jackson-cbor serializer asks for the same one
    return new WireSize(
        JacksonObjectMapperProvider.get(system)
            .getOrCreate("jackson-cbor", Optional.of(new CBORFactory())),
        legacyEncoding(system.classicSystem().settings().config()));
  }

  /**
   * The serialized size of {@code command} as a log entry.
   *
   * @return the size in bytes; {@link Long#MAX_VALUE} if it cannot be serialized (never sent)
   */
  public long bytes(LogCommand command) {
    try {
      if (legacy) {
        return mapper.writeValueAsBytes(legacyEntry(command)).length;
      }
      return framed(InternodeCodec.entry(entry(command)));
    } catch (IOException | RuntimeException e) {
      return Long.MAX_VALUE;
    }
  }

  /** The bytes {@code entry} adds to a message: tag, length prefix and the entry. */
  private static long framed(io.openkms.kms.actors.proto.WireEntry entry) {
    return CodedOutputStream.computeMessageSize(ENTRIES_FIELD, entry);
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
    long bytes;
    try {
      if (legacy) {
        byte[] cbor = mapper.writeValueAsBytes(legacyEntry(command));
        mapper.readValue(cbor, ReplicationMessages.WireEntry.class);
        InternodeCodec.change(command.change()); // what the next step of the upgrade will send
        bytes = cbor.length;
      } else {
        io.openkms.kms.actors.proto.WireEntry entry = InternodeCodec.entry(entry(command));
        bytes = framed(entry);
        InternodeCodec.entry(io.openkms.kms.actors.proto.WireEntry.parseFrom(entry.toByteString()));
      }
    } catch (IOException | RuntimeException e) {
      throw ApiError.notReplicable(
          e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage()));
    }
    if (!budget.admits(bytes)) {
      throw tooLarge(bytes, budget.maxChangeBytes());
    }
    return bytes;
  }

  /**
   * 400 {@code change too large: <n> bytes, the limit is <max> bytes (limits: max_change_size)}.
   */
  public static KmsException tooLarge(long bytes, long maxBytes) {
    return ApiError.changeTooLarge(bytes, maxBytes, CONFIG_KEY);
  }

  /**
   * The state as the snapshot of a join carries it: protobuf {@code KmsState} of {@code
   * internode.proto} (the encoding of every internode message), or Jackson CBOR when {@link
   * #ENCODING_KEY} is {@value #JACKSON_CBOR}.
   *
   * @throws IllegalStateException if it cannot be encoded (a string that is not well-formed UTF-16)
   */
  public byte[] encodeState(KmsState state) {
    try {
      return legacy ? mapper.writeValueAsBytes(state) : InternodeCodec.encodeState(state);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot encode the state: " + e.getMessage(), e);
    }
  }

  /**
   * The state from {@link #encodeState} bytes, or from the Jackson-CBOR bytes a leader of an
   * earlier release sends (a CBOR map: first byte {@code 0xa0}–{@code 0xbf}, which no encoded
   * protobuf state starts with, see {@code internode.proto}).
   *
   * @throws IllegalArgumentException if the bytes are not an encoded state
   */
  public KmsState decodeState(byte[] bytes) {
    if (isLegacyCbor(bytes)) {
      try {
        return mapper.readValue(bytes, KmsState.class);
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException(
            "not a state: " + firstLine(String.valueOf(e.getMessage())), e);
      }
    }
    try {
      return InternodeCodec.decodeState(bytes);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "not a state: " + firstLine(String.valueOf(e.getMessage())), e);
    }
  }

  /** True if {@code bytes} start like a CBOR map (major type 5), the state of older releases. */
  static boolean isLegacyCbor(byte[] bytes) {
    return bytes.length > 0 && (bytes[0] & 0xE0) == 0xA0;
  }

  /** The state in the Jackson-CBOR encoding of earlier releases (tests of the upgrade path). */
  byte[] encodeLegacyState(KmsState state) throws IOException {
    return mapper.writeValueAsBytes(state);
  }

  private static ReplicationMessages.WireEntry legacyEntry(LogCommand command) {
    return new ReplicationMessages.WireEntry(1, 1, command.change(), command.addedNodeId());
  }

  private static ReplicationMessages.WireEntry entry(LogCommand command) {
    Change change = command.change();
    return new ReplicationMessages.WireEntry(
        Long.MAX_VALUE, Long.MAX_VALUE, change, command.addedNodeId());
  }

  private static String firstLine(String message) {
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return line.length() <= 200 ? line : line.substring(0, 200) + "…";
  }
}
