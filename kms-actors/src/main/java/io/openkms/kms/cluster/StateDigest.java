package io.openkms.kms.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.openkms.kms.domain.KmsState;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A digest of a node's state, to check docs/ARCHITECTURE.md §3 invariant 1 ("equal commit index ⇒
 * equal state") across nodes: hex SHA-256 of a canonical Jackson CBOR encoding of the {@link
 * KmsState} — record components in declaration order, every map sorted by key (the state's maps are
 * sorted maps), times as ISO-8601 text. Key material is inside the encoding, never in the output.
 */
public final class StateDigest {

  private static final ObjectMapper CBOR =
      new ObjectMapper(new CBORFactory())
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private StateDigest() {}

  /**
   * The digest of {@code state}.
   *
   * @return 64 lower-case hex digits
   */
  public static String of(KmsState state) {
    try {
      byte[] encoded = CBOR.writeValueAsBytes(state);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(encoded));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot digest the state: " + e.getMessage(), e);
    }
  }
}
