package io.openkms.kms.crypto;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The versions of one key, immutable: every change returns a new ring. Versions live in a sorted
 * map, so {@link #version(int)} and {@link #latest()} cost O(log n).
 *
 * <p>Version numbers start at 1 and are never reused: the ring keeps the highest number it has ever
 * held ({@link #highestVersion()}), and {@link #nextVersion()} is one more, even after that version
 * was removed (docs/REFERENCE.md §6: "Once a version is removed it cannot be re-added").
 *
 * <p>Jackson form: {@code {"versions": [KeyVersion…] (ascending), "highestVersion": n}}.
 */
@JsonAutoDetect(
    fieldVisibility = Visibility.NONE,
    getterVisibility = Visibility.NONE,
    isGetterVisibility = Visibility.NONE,
    creatorVisibility = Visibility.NONE)
public final class KeyRing {
  private static final KeyRing EMPTY = new KeyRing(new TreeMap<>(), 0);

  private final NavigableMap<Integer, KeyVersion> versions;
  private final int highestVersion;

  private KeyRing(TreeMap<Integer, KeyVersion> versions, int highestVersion) {
    this.versions = Collections.unmodifiableNavigableMap(versions);
    this.highestVersion = highestVersion;
  }

  /**
   * Restores a ring (snapshots, Jackson).
   *
   * @param versions the versions in any order, numbers unique
   * @param highestVersion the highest number ever used, at least the highest in {@code versions}
   * @throws IllegalArgumentException on duplicate numbers or a too-small {@code highestVersion}
   */
  @JsonCreator
  public static KeyRing of(
      @JsonProperty("versions") List<KeyVersion> versions,
      @JsonProperty("highestVersion") int highestVersion) {
    TreeMap<Integer, KeyVersion> map = new TreeMap<>();
    for (KeyVersion v : versions == null ? List.<KeyVersion>of() : versions) {
      if (map.put(v.version(), v) != null) {
        throw new IllegalArgumentException("duplicate key version " + v.version());
      }
    }
    if (!map.isEmpty() && map.lastKey() > highestVersion) {
      throw new IllegalArgumentException(
          "highest version " + highestVersion + " is below version " + map.lastKey());
    }
    if (highestVersion < 0) {
      throw new IllegalArgumentException("highest version must not be negative");
    }
    return new KeyRing(map, highestVersion);
  }

  /** The empty ring: no versions, {@link #nextVersion()} = 1. */
  public static KeyRing empty() {
    return EMPTY;
  }

  /** A ring holding just {@code first}. */
  public static KeyRing of(KeyVersion first) {
    return EMPTY.withVersion(first);
  }

  /** The newest version, or empty if the ring has none. O(log n). */
  public Optional<KeyVersion> latest() {
    Map.Entry<Integer, KeyVersion> e = versions.lastEntry();
    return e == null ? Optional.empty() : Optional.of(e.getValue());
  }

  /**
   * The given version; {@code 0} means the latest (docs/PROTOCOL.md §8). A missing or negative
   * number gives empty. O(log n).
   */
  public Optional<KeyVersion> version(int version) {
    if (version == 0) {
      return latest();
    }
    return Optional.ofNullable(versions.get(version));
  }

  /**
   * A ring with {@code v} added.
   *
   * @throws IllegalArgumentException if {@code v.version()} is not above {@link #highestVersion()}
   *     (numbers are never reused)
   */
  public KeyRing withVersion(KeyVersion v) {
    Objects.requireNonNull(v, "version");
    if (v.version() <= highestVersion) {
      throw new IllegalArgumentException(
          "key version " + v.version() + " is not above the highest version " + highestVersion);
    }
    TreeMap<Integer, KeyVersion> map = new TreeMap<>(versions);
    map.put(v.version(), v);
    return new KeyRing(map, v.version());
  }

  /**
   * A ring without version {@code version}; the high-water mark stays.
   *
   * @throws IllegalArgumentException if the ring has no such version
   */
  public KeyRing withoutVersion(int version) {
    if (!versions.containsKey(version)) {
      throw new IllegalArgumentException("no key version " + version);
    }
    TreeMap<Integer, KeyVersion> map = new TreeMap<>(versions);
    map.remove(version);
    return new KeyRing(map, highestVersion);
  }

  /** The number the next added version must have: {@link #highestVersion()} + 1. */
  public int nextVersion() {
    return highestVersion + 1;
  }

  /** The highest version number this ring has ever held (0 if none). */
  @JsonProperty("highestVersion")
  public int highestVersion() {
    return highestVersion;
  }

  /** The versions, ascending by number (unmodifiable). */
  @JsonProperty("versions")
  public List<KeyVersion> versions() {
    return List.copyOf(versions.values());
  }

  /** Number of versions held. */
  public int size() {
    return versions.size();
  }

  /** True if the ring holds no version. */
  public boolean isEmpty() {
    return versions.isEmpty();
  }

  /**
   * Decrypts with the given version, or, for {@code version == 0}, with each version from the
   * newest to the oldest until one succeeds (older MinIO releases send 0, docs/PROTOCOL.md §5.1).
   *
   * @throws DecryptException if the version does not exist or no version decrypts
   */
  public byte[] decrypt(int version, byte[] ciphertext, byte[] associatedData)
      throws DecryptException {
    return decryptWithVersion(version, ciphertext, associatedData).plaintext();
  }

  /**
   * Like {@link #decrypt(int, byte[], byte[])} but also tells which version succeeded.
   *
   * @return the version that decrypted and the plaintext
   */
  public Decrypted decryptWithVersion(int version, byte[] ciphertext, byte[] associatedData)
      throws DecryptException {
    if (version != 0) {
      KeyVersion v = versions.get(version);
      if (v == null) {
        throw new DecryptException();
      }
      return new Decrypted(version, v.decrypt(ciphertext, associatedData));
    }
    for (KeyVersion v : versions.descendingMap().values()) {
      byte[] plaintext = v.decryptOrNull(ciphertext, associatedData);
      if (plaintext != null) {
        return new Decrypted(v.version(), plaintext);
      }
    }
    throw new DecryptException();
  }

  /**
   * Decryption with version 0 under a bound (issue 13, "CPU amplification"): tries at most {@code
   * maxTrials} versions, newest first, and stops at the first that decrypts.
   *
   * @param maxTrials the most versions to try (0 = none)
   * @return the result ({@code null} if no tried version decrypted) and how many versions were
   *     tried; {@code tried < size()} with a null result means the bound stopped the search
   */
  public Attempt decryptNewestFirst(byte[] ciphertext, byte[] associatedData, int maxTrials) {
    int tried = 0;
    for (KeyVersion v : versions.descendingMap().values()) {
      if (tried >= maxTrials) {
        break;
      }
      tried++;
      byte[] plaintext = v.decryptOrNull(ciphertext, associatedData);
      if (plaintext != null) {
        return new Attempt(new Decrypted(v.version(), plaintext), tried);
      }
    }
    return new Attempt(null, tried);
  }

  /**
   * The outcome of {@link #decryptNewestFirst}.
   *
   * @param decrypted the plaintext and version, or null if no tried version decrypted
   * @param tried the number of versions tried
   */
  public record Attempt(Decrypted decrypted, int tried) {}

  /** A plaintext and the version number that decrypted it. */
  public record Decrypted(int version, byte[] plaintext) {}

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyRing
        && highestVersion == ((KeyRing) o).highestVersion
        && versions.equals(((KeyRing) o).versions);
  }

  @Override
  public int hashCode() {
    return 31 * highestVersion + versions.hashCode();
  }

  @Override
  public String toString() {
    return "KeyRing[versions="
        + new ArrayList<>(versions.keySet())
        + ", highestVersion="
        + highestVersion
        + "]";
  }
}
