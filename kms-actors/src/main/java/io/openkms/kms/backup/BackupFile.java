package io.openkms.kms.backup;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.EnclaveState;
import io.openkms.kms.domain.IdentityEntry;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import io.openkms.persistence.UnsealException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The backup of a cluster's state ({@code GET /v1/db}, {@code minkms backup}; docs/REFERENCE.md
 * §2.5): what one published {@link KmsState} holds — enclaves with their keys, policies and
 * identities, and the cluster SysAdmins — at one commit index. Not in it: the cluster membership
 * and the config file (as the reference says). Pure: no I/O.
 *
 * <p>Layout (bytes):
 *
 * <pre>
 * minkms-backup v1\n
 * {"cluster_id":…,"commit":N,"created_at":"…","key_id":"16 hex","sysadmins":N,
 *  "enclaves":{"name":{"keys":N,"policies":N,"identities":N},…}}\n
 * nonce(12) ‖ AES-256-GCM(BackupKey, CBOR(payload), associated data = the two lines) ‖ tag(16)
 * </pre>
 *
 * Names and counts are plain (as the reference's "schemas and names are plaintext"); key material,
 * policies and identities are only in the sealed part, so the file holds no plaintext key material.
 * The header is authenticated as associated data: editing it breaks the seal.
 */
public final class BackupFile {

  /** The first line of every backup. */
  public static final String MAGIC = "minkms-backup v1";

  /** Largest header line read, in bytes. */
  static final int MAX_HEADER_BYTES = 1 << 20;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final ObjectMapper CBOR =
      new ObjectMapper(new CBORFactory())
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private BackupFile() {}

  /**
   * The plain header of a backup.
   *
   * @param clusterId the id of the cluster it was taken from
   * @param commit the commit index of the state it holds
   * @param createdAt when it was taken
   * @param keyId the {@link BackupKey#id()} it is sealed under
   * @param sysadmins number of cluster SysAdmin identities
   * @param enclaves enclave name → counts
   */
  public record Header(
      String clusterId,
      long commit,
      Instant createdAt,
      String keyId,
      int sysadmins,
      Map<String, Counts> enclaves) {}

  /** What an enclave holds: numbers of keys, policies and identities. */
  public record Counts(int keys, int policies, int identities) {}

  /** The sealed part. */
  record Payload(
      SortedMap<String, EnclaveState> enclaves, SortedMap<String, IdentityEntry> sysAdmins) {}

  /** An opened backup: its header and the state it holds. */
  public record Contents(
      Header header,
      SortedMap<String, EnclaveState> enclaves,
      SortedMap<String, IdentityEntry> sysAdmins) {}

  /**
   * Writes the backup of {@code state}, sealed under {@code key}.
   *
   * @param now the time written as {@code created_at}
   */
  public static byte[] write(KmsState state, BackupKey key, Instant now) {
    Map<String, Counts> enclaves = new LinkedHashMap<>();
    for (EnclaveState e : state.enclaves().values()) {
      enclaves.put(
          e.name(), new Counts(e.keys().size(), e.policies().size(), e.identities().size()));
    }
    Header header =
        new Header(
            state.membership().clusterId(),
            state.commitIndex(),
            now,
            key.id(),
            state.sysAdmins().size(),
            enclaves);
    try {
      byte[] head =
          (MAGIC + "\n" + JSON.writeValueAsString(header) + "\n").getBytes(StandardCharsets.UTF_8);
      byte[] plain = CBOR.writeValueAsBytes(new Payload(state.enclaves(), state.sysAdmins()));
      byte[] sealed;
      try {
        sealed = key.aead().seal(plain, head);
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
      byte[] out = Arrays.copyOf(head, head.length + sealed.length);
      System.arraycopy(sealed, 0, out, head.length, sealed.length);
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the backup: " + e.getMessage(), e);
    }
  }

  /**
   * Reads only the plain header (no key needed).
   *
   * @throws KmsException 400 {@code invalid backup: …} when {@code data} is not a backup
   */
  public static Header header(byte[] data) {
    int first = newline(data, 0);
    if (first < 0 || !new String(data, 0, first, StandardCharsets.UTF_8).equals(MAGIC)) {
      String start = new String(data, 0, Math.min(data.length, 24), StandardCharsets.UTF_8);
      if (start.startsWith("minkms-backup ")) {
        throw invalid(
            "unsupported format '"
                + start.lines().findFirst().orElse("")
                + "' (expected '"
                + MAGIC
                + "')");
      }
      throw invalid("not a minkms backup file");
    }
    int second = newline(data, first + 1);
    if (second < 0) {
      throw invalid("truncated header");
    }
    try {
      Header h = JSON.readValue(data, first + 1, second - first - 1, Header.class);
      if (h.keyId() == null || h.clusterId() == null || h.enclaves() == null) {
        throw invalid("incomplete header");
      }
      return h;
    } catch (IOException e) {
      throw invalid("unreadable header");
    }
  }

  /**
   * Opens a backup made by {@link #write}.
   *
   * @throws KmsException 400 {@code invalid backup: …} when {@code data} is not a backup or is
   *     damaged; 400 {@code cannot restore backup: it was sealed under another HSM key …} when
   *     {@code key} is not the one it was sealed under
   */
  public static Contents open(byte[] data, BackupKey key) {
    Header header = header(data);
    if (!header.keyId().equals(key.id())) {
      throw ApiError.backupOfAnotherKey(header.keyId(), key.id());
    }
    int end = newline(data, newline(data, 0) + 1) + 1;
    byte[] head = Arrays.copyOf(data, end);
    byte[] plain;
    try {
      plain = key.aead().unseal(Arrays.copyOfRange(data, end, data.length), head);
    } catch (UnsealException | RuntimeException e) {
      throw invalid("damaged: the sealed state does not authenticate");
    }
    try {
      Payload p = CBOR.readValue(plain, Payload.class);
      if (p.enclaves() == null || p.sysAdmins() == null) {
        throw invalid("damaged: incomplete state");
      }
      return new Contents(header, p.enclaves(), p.sysAdmins());
    } catch (IOException | RuntimeException e) {
      if (e instanceof KmsException k) {
        throw k;
      }
      throw invalid("damaged: unreadable state");
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /**
   * The changes that restore {@code contents}: one {@link Change.RestoreState} that replaces the
   * state, then as many merging ones as it takes to keep each under about {@code budgetBytes} of
   * serialized content (an item larger than the budget goes alone). The order is fixed: keys,
   * policies and identities of each enclave in name order, then the SysAdmins.
   */
  public static List<Change.RestoreState> changes(Contents contents, int budgetBytes) {
    List<Change.RestoreState> out = new ArrayList<>();
    Chunk chunk = new Chunk();
    for (EnclaveState e : contents.enclaves().values()) {
      chunk.enclave(e); // an empty enclave is restored too
      for (Map.Entry<String, ? extends Object> k : e.keys().entrySet()) {
        chunk = chunk.fit(size(k.getValue()), budgetBytes, out, contents);
        chunk.part(e).keys.put(k.getKey(), e.keys().get(k.getKey()));
      }
      for (Map.Entry<String, ? extends Object> p : e.policies().entrySet()) {
        chunk = chunk.fit(size(p.getValue()), budgetBytes, out, contents);
        chunk.part(e).policies.put(p.getKey(), e.policies().get(p.getKey()));
      }
      for (Map.Entry<String, ? extends Object> i : e.identities().entrySet()) {
        chunk = chunk.fit(size(i.getValue()), budgetBytes, out, contents);
        chunk.part(e).identities.put(i.getKey(), e.identities().get(i.getKey()));
      }
    }
    for (Map.Entry<String, IdentityEntry> a : contents.sysAdmins().entrySet()) {
      chunk = chunk.fit(size(a.getValue()), budgetBytes, out, contents);
      chunk.sysAdmins.put(a.getKey(), a.getValue());
    }
    out.add(chunk.change(out.isEmpty(), contents));
    return out;
  }

  /** The enclaves (parts) and SysAdmins of one restore change being filled. */
  private static final class Chunk {
    final Map<String, Part> parts = new LinkedHashMap<>();
    final SortedMap<String, IdentityEntry> sysAdmins = new TreeMap<>();
    long bytes;

    void enclave(EnclaveState e) {
      part(e);
    }

    Part part(EnclaveState e) {
      return parts.computeIfAbsent(e.name(), n -> new Part(e));
    }

    /** This chunk, or (when {@code more} does not fit) a new one after adding this to out. */
    Chunk fit(long more, int budget, List<Change.RestoreState> out, Contents contents) {
      if (bytes > 0 && bytes + more > budget) {
        out.add(change(out.isEmpty(), contents));
        Chunk next = new Chunk();
        next.bytes = more;
        return next;
      }
      bytes += more;
      return this;
    }

    Change.RestoreState change(boolean first, Contents contents) {
      SortedMap<String, EnclaveState> enclaves = new TreeMap<>();
      for (Part p : parts.values()) {
        enclaves.put(
            p.enclave.name(),
            new EnclaveState(
                p.enclave.name(),
                p.enclave.createdAt(),
                p.enclave.createdBy(),
                p.keys,
                p.policies,
                p.identities));
      }
      return new Change.RestoreState(enclaves, sysAdmins, contents.header().commit(), !first);
    }
  }

  /** Part of an enclave. */
  private static final class Part {
    final EnclaveState enclave;
    final SortedMap<String, io.openkms.kms.domain.KeyEntry> keys = new TreeMap<>();
    final SortedMap<String, io.openkms.kms.domain.Policy> policies = new TreeMap<>();
    final SortedMap<String, IdentityEntry> identities = new TreeMap<>();

    Part(EnclaveState enclave) {
      this.enclave = enclave;
    }
  }

  private static long size(Object value) {
    try {
      return CBOR.writeValueAsBytes(value).length;
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
    }
  }

  private static int newline(byte[] data, int from) {
    int limit = Math.min(data.length, from + MAX_HEADER_BYTES);
    for (int i = from; i < limit; i++) {
      if (data[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static KmsException invalid(String reason) {
    return ApiError.invalidBackup(reason);
  }
}
