package io.openkms.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code minkms bench} can measure, with its name on the command line and in the output. The
 * three read operations send {@code --batch} frames per request; {@link #CREATE} (a replicated
 * write) always sends one.
 */
public enum BenchOperation {
  /**
   * {@code KEY:GENERATE}: a 32-byte data key with 64 bytes of associated data (MinIO's hot path).
   */
  GENERATE("generate", true),
  /** {@code KEY:DECRYPT} of data keys made by {@code KEY:GENERATE}, same associated data. */
  DECRYPT("decrypt", true),
  /** {@code KEY:ENCRYPT} of 1 KiB of random plaintext with 64 bytes of associated data. */
  ENCRYPT("encrypt", true),
  /** {@code KEY:CREATE} of a new AES256 key: the write path. */
  CREATE("create", false);

  private final String text;
  private final boolean batched;

  BenchOperation(String text, boolean batched) {
    this.text = text;
    this.batched = batched;
  }

  /** The name used by {@code --ops} and in the output, e.g. {@code generate}. */
  public String text() {
    return text;
  }

  /** True when a request carries {@code --batch} frames of this operation. */
  public boolean batched() {
    return batched;
  }

  /**
   * Parses {@code --ops}: names separated by commas, case-insensitive, no duplicates, at least one.
   *
   * @throws IllegalArgumentException {@code invalid --ops 'X': expected generate, decrypt, encrypt
   *     or create}, {@code invalid --ops: 'X' given twice} or {@code invalid --ops: no operation}
   */
  public static List<BenchOperation> parseList(String text) {
    List<BenchOperation> ops = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String name = part.strip().toLowerCase(Locale.ROOT);
      if (name.isEmpty()) {
        continue;
      }
      BenchOperation op = null;
      for (BenchOperation candidate : values()) {
        if (candidate.text.equals(name)) {
          op = candidate;
        }
      }
      if (op == null) {
        throw new IllegalArgumentException(
            "invalid --ops '" + part.strip() + "': expected generate, decrypt, encrypt or create");
      }
      if (ops.contains(op)) {
        throw new IllegalArgumentException("invalid --ops: '" + name + "' given twice");
      }
      ops.add(op);
    }
    if (ops.isEmpty()) {
      throw new IllegalArgumentException("invalid --ops: no operation");
    }
    return List.copyOf(ops);
  }
}
