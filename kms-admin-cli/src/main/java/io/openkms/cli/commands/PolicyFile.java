package io.openkms.cli.commands;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.openkms.cli.CliException;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.PolicyResponse;
import io.openkms.http.proto.Rule;
import io.openkms.http.proto.RuleSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The policy file of {@code minkms add-policy} (docs/REFERENCE.md §5.3): {@code {"allow":
 * {"<COMMAND>": <ruleset>, …}, "deny": {…}}}, both parts optional, where a ruleset is written in
 * any of three equal ways: a string ({@code "my-key*"}), an array of strings ({@code ["a", "b*"]})
 * or an object whose keys are the patterns ({@code {"my-key*": {}}}). Empty patterns are ignored.
 * Command names and patterns are checked by the server.
 */
public final class PolicyFile {
  private PolicyFile() {}

  /**
   * Reads and parses a policy file.
   *
   * @throws CliException exit 2: {@code cannot read policy file <file>: <reason>} or {@code invalid
   *     policy file <file>: <reason>} (see {@link #parse})
   */
  public static CreatePolicyRequest read(String name, Path file) throws CliException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      String reason =
          e instanceof java.nio.file.NoSuchFileException
              ? "no such file"
              : e.getClass().getSimpleName()
                  + (e.getMessage() == null ? "" : ": " + e.getMessage());
      throw CliException.usage("cannot read policy file " + file + ": " + reason);
    }
    try {
      return parse(name, text);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("invalid policy file " + file + ": " + e.getMessage());
    }
  }

  /**
   * The {@code POLICY:CREATE} request of policy {@code name} from the JSON {@code text}.
   *
   * @throws IllegalArgumentException with the reason: {@code invalid JSON at line L, column C:
   *     <reason>} (a syntax error, a key twice in one object, a second value), {@code not a JSON
   *     object}, {@code unknown field '<f>': want allow or deny}, {@code '<part>' must be an
   *     object}, {@code ruleset of '<cmd>' must be a string, an array of strings or an object},
   *     {@code pattern of '<cmd>' must be a string}
   */
  public static CreatePolicyRequest parse(String name, String text) {
    checkSyntax(text);
    Struct.Builder root = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(text, root);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new IllegalArgumentException("not a JSON object");
    }
    CreatePolicyRequest.Builder request = CreatePolicyRequest.newBuilder().setName(name);
    for (Map.Entry<String, Value> part : root.getFieldsMap().entrySet()) {
      Map<String, RuleSet> rules =
          switch (part.getKey()) {
            case "allow", "deny" -> ruleSets(part.getKey(), part.getValue());
            default ->
                throw new IllegalArgumentException(
                    "unknown field '" + part.getKey() + "': want allow or deny");
          };
      if (part.getKey().equals("allow")) {
        request.putAllAllow(rules);
      } else {
        request.putAllDeny(rules);
      }
    }
    return request.build();
  }

  private static final com.fasterxml.jackson.core.JsonFactory STRICT =
      com.fasterxml.jackson.core.JsonFactory.builder()
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  /**
   * One JSON value, strictly: a syntax error, a key twice in one object (the lenient parser kept
   * the last, silently dropping a rule set) or anything after the value (a second object, silently
   * ignored) is refused with {@code invalid JSON at line L, column C: <reason>}.
   */
  private static void checkSyntax(String text) {
    try (com.fasterxml.jackson.core.JsonParser parser = STRICT.createParser(text)) {
      if (parser.nextToken() == null) {
        throw new IllegalArgumentException("not a JSON object");
      }
      parser.skipChildren();
      if (parser.nextToken() != null) {
        throw invalid(parser.currentTokenLocation(), "a second JSON value after the first");
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw invalid(e.getLocation(), e.getOriginalMessage().lines().findFirst().orElse(""));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not a JSON object");
    }
  }

  private static IllegalArgumentException invalid(
      com.fasterxml.jackson.core.JsonLocation at, String reason) {
    return new IllegalArgumentException(
        at == null
            ? "invalid JSON: " + reason
            : "invalid JSON at line "
                + at.getLineNr()
                + ", column "
                + at.getColumnNr()
                + ": "
                + reason);
  }

  private static Map<String, RuleSet> ruleSets(String part, Value value) {
    if (value.hasNullValue()) {
      return Map.of();
    }
    if (!value.hasStructValue()) {
      throw new IllegalArgumentException("'" + part + "' must be an object");
    }
    Map<String, RuleSet> out = new TreeMap<>();
    for (Map.Entry<String, Value> entry : value.getStructValue().getFieldsMap().entrySet()) {
      out.put(entry.getKey(), ruleSet(entry.getKey(), entry.getValue()));
    }
    return out;
  }

  private static RuleSet ruleSet(String command, Value value) {
    TreeSet<String> patterns = new TreeSet<>();
    switch (value.getKindCase()) {
      case STRING_VALUE -> patterns.add(value.getStringValue());
      case LIST_VALUE -> {
        for (Value v : value.getListValue().getValuesList()) {
          if (!v.hasStringValue()) {
            throw new IllegalArgumentException("pattern of '" + command + "' must be a string");
          }
          patterns.add(v.getStringValue());
        }
      }
      case STRUCT_VALUE -> patterns.addAll(value.getStructValue().getFieldsMap().keySet());
      default ->
          throw new IllegalArgumentException(
              "ruleset of '" + command + "' must be a string, an array of strings or an object");
    }
    RuleSet.Builder set = RuleSet.newBuilder();
    for (String pattern : patterns) {
      if (!pattern.isEmpty()) {
        set.putRules(pattern, Rule.getDefaultInstance());
      }
    }
    return set.build();
  }

  /**
   * The rules of a policy as text lines {@code <COMMAND> <pattern>, <pattern>}, commands sorted,
   * patterns sorted; {@code -} when there are none.
   */
  static String rules(Map<String, RuleSet> rules) {
    if (rules.isEmpty()) {
      return "-";
    }
    Map<String, RuleSet> sorted = new TreeMap<>(rules);
    int width = sorted.keySet().stream().mapToInt(String::length).max().orElse(0) + 2;
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, RuleSet> e : sorted.entrySet()) {
      if (out.length() > 0) {
        out.append('\n');
      }
      out.append(e.getKey())
          .append(" ".repeat(width - e.getKey().length()))
          .append(String.join(", ", new TreeSet<>(e.getValue().getRulesMap().keySet())));
    }
    return out.toString();
  }

  /** The text of {@code get-policy} for one policy: Name, Created, Owner, Allow, Deny. */
  static String text(PolicyResponse p) {
    return new Text.Block("", 10)
        .line("Name", p.getName())
        .line("Created", Text.time(p.hasCreatedAt(), p.getCreatedAt()))
        .line("Owner", Text.orDash(p.getCreatedBy()))
        .line("Allow", rules(p.getAllowMap()))
        .line("Deny", rules(p.getDenyMap()))
        .toString();
  }
}
