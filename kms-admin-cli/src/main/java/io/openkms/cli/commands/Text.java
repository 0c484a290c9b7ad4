package io.openkms.cli.commands;

import com.google.protobuf.Timestamp;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Text formatting shared by the client commands: durations, sizes, times, privileges, aligned
 * label/value blocks, tables and terminal colours. Pure functions, no I/O.
 */
public final class Text {
  /** ANSI green, for nodes that are up. */
  public static final String GREEN = "\u001b[32m";

  /** ANSI red, for nodes that are down. */
  public static final String RED = "\u001b[31m";

  /** ANSI reset. */
  public static final String RESET = "\u001b[0m";

  private Text() {}

  /**
   * A duration the way people read it, in the spirit of Go's {@code time.Duration} (as {@code
   * minkms stat} shows {@code 24m31s}, {@code 5m}): below 1 s in whole milliseconds ({@code
   * 233ms}); below 1 min in whole seconds ({@code 42s}); below 1 h in minutes and seconds ({@code
   * 24m31s}, {@code 5m}); below 1 day in hours and minutes ({@code 3h7m}, {@code 2h}); else in days
   * and hours ({@code 4d3h}, {@code 1d}). Smaller units are truncated, a zero second part is left
   * out. Negative durations count as 0 ({@code 0s}).
   */
  public static String duration(Duration d) {
    if (d.isNegative() || d.isZero()) {
      return "0s";
    }
    long millis = d.toMillis();
    if (millis < 1000) {
      return millis + "ms";
    }
    long seconds = d.getSeconds();
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return pair(seconds / 60, "m", seconds % 60, "s");
    }
    if (seconds < 86_400) {
      return pair(seconds / 3600, "h", seconds % 3600 / 60, "m");
    }
    return pair(seconds / 86_400, "d", seconds % 86_400 / 3600, "h");
  }

  private static String pair(long big, String bigUnit, long small, String smallUnit) {
    return small == 0 ? big + bigUnit : big + bigUnit + small + smallUnit;
  }

  /** {@link #duration(Duration)} of a protobuf duration. */
  public static String duration(com.google.protobuf.Duration d) {
    return duration(Duration.ofSeconds(d.getSeconds(), d.getNanos()));
  }

  /**
   * A size in bytes with binary units and two decimals, as Go's humanize prints it: {@code 512B},
   * {@code 1.50KiB}, {@code 4.20MiB}, {@code 1.00GiB}, … up to {@code EiB}.
   */
  public static String bytes(long n) {
    if (n < 1024) {
      return Math.max(n, 0) + "B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = n;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.2f%s", value, units[unit]);
  }

  /**
   * A point in time as ISO-8601 UTC to the second, {@code 2025-11-12T19:14:51Z}; {@code -} when the
   * protobuf timestamp is unset.
   */
  public static String time(boolean present, Timestamp t) {
    if (!present) {
      return "-";
    }
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos())
        .truncatedTo(ChronoUnit.SECONDS)
        .toString();
  }

  /** The value, or {@code -} when it is empty. */
  public static String orDash(String value) {
    return value == null || value.isEmpty() ? "-" : value;
  }

  /**
   * The name of a wire privilege (docs/PROTOCOL.md §5.2 {@code IdentityResponse.Privilege}): 1
   * {@code SysAdmin}, 2 {@code Admin}, 3 {@code User}; other numbers as {@code Unknown(<n>)}.
   */
  public static String privilege(int value) {
    return switch (value) {
      case 1 -> "SysAdmin";
      case 2 -> "Admin";
      case 3 -> "User";
      default -> "Unknown(" + value + ")";
    };
  }

  /** The bytes as text when they are valid UTF-8, else empty (docs/REFERENCE.md §2.7 decrypt). */
  public static Optional<String> utf8(byte[] bytes) {
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  /** {@code text} wrapped in {@code colour} and {@link #RESET} when {@code enabled}. */
  public static String colour(boolean enabled, String colour, String text) {
    return enabled ? colour + text + RESET : text;
  }

  /**
   * Label/value lines with the values aligned: each label is padded to {@code width} characters. A
   * value with several lines continues under the first one.
   */
  public static final class Block {
    private final String indent;
    private final int width;
    private final StringBuilder out = new StringBuilder();

    /**
     * @param indent written before every line
     * @param width the label column's width in characters (label plus padding)
     */
    public Block(String indent, int width) {
      this.indent = indent;
      this.width = width;
    }

    /** Adds {@code label value}; a multi-line value continues aligned under the first line. */
    public Block line(String label, String value) {
      String[] lines = value.split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        String l = i == 0 ? label : "";
        out.append(indent)
            .append(l)
            .append(" ".repeat(Math.max(1, width - l.length())))
            .append(lines[i])
            .append('\n');
      }
      return this;
    }

    /** Adds a line of its own, after the indent. */
    public Block raw(String text) {
      out.append(indent).append(text).append('\n');
      return this;
    }

    /** The lines, each ended by {@code \n}. */
    @Override
    public String toString() {
      return out.toString();
    }
  }

  /**
   * A table of left-aligned columns: every column but the last is padded to its widest cell plus
   * two spaces; trailing spaces are never written.
   */
  public static final class Table {
    private final List<String[]> rows = new ArrayList<>();

    /**
     * @param header the column titles
     */
    public Table(String... header) {
      rows.add(header);
    }

    /** Adds a row; it must have as many cells as the header. */
    public Table row(String... cells) {
      if (cells.length != rows.get(0).length) {
        throw new IllegalArgumentException(
            "want " + rows.get(0).length + " cells, got " + cells.length);
      }
      rows.add(cells);
      return this;
    }

    /** The table, header first, each line ended by {@code \n}. */
    @Override
    public String toString() {
      int columns = rows.get(0).length;
      int[] widths = new int[columns];
      for (String[] row : rows) {
        for (int c = 0; c < columns; c++) {
          widths[c] = Math.max(widths[c], row[c].length());
        }
      }
      StringBuilder out = new StringBuilder();
      for (String[] row : rows) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < columns; c++) {
          line.append(row[c]);
          if (c < columns - 1) {
            line.append(" ".repeat(widths[c] - row[c].length() + 2));
          }
        }
        out.append(line.toString().stripTrailing()).append('\n');
      }
      return out.toString();
    }
  }
}
