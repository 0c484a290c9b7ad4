package io.openkms.kms.domain;

import io.openkms.kms.crypto.Identity;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A named set of allow and deny rules (docs/REFERENCE.md §5.3). Each rule maps a command text (e.g.
 * {@code KEY:ENCRYPT}) to name patterns: an exact name, a prefix ending in {@code *} ({@code
 * my-key*} matches {@code my-key}, {@code my-key-1}), or {@code *} for anything.
 *
 * <p>The constructor normalises: command texts are parsed case-insensitively and stored in their
 * canonical upper-case form (rules for the same command merge), empty patterns are dropped, and
 * commands left with no pattern are dropped. Unknown command texts are rejected.
 *
 * <p>Evaluation: denied by default, a matching deny beats any allow, and cluster-level commands
 * ({@code CLUSTER:*}, {@code ENCLAVE:*}) are never granted.
 *
 * @param name the policy name ({@link Names} rule)
 * @param allow command text → patterns that allow it
 * @param deny command text → patterns that deny it
 * @param createdAt creation time
 * @param createdBy creator ({@link Identity#ZERO} if none)
 */
public record Policy(
    String name,
    SortedMap<String, SortedSet<String>> allow,
    SortedMap<String, SortedSet<String>> deny,
    Instant createdAt,
    Identity createdBy) {

  /**
   * Validates and normalises.
   *
   * @throws KmsException 400 {@code invalid policy name '…': …} or {@code kms: invalid cmd '<s>'}
   */
  public Policy {
    Names.check("policy", name);
    allow = normalize(allow);
    deny = normalize(deny);
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(createdBy, "createdBy");
  }

  /**
   * Builds a policy from any map of command texts to pattern collections (null = no rules).
   *
   * @throws KmsException as the constructor
   */
  public static Policy of(
      String name,
      Map<String, ? extends Collection<String>> allow,
      Map<String, ? extends Collection<String>> deny,
      Instant createdAt,
      Identity createdBy) {
    return new Policy(name, toSorted(allow), toSorted(deny), createdAt, createdBy);
  }

  /**
   * Whether this policy lets a User run {@code cmd} on the resource named {@code resource}: not
   * cluster-level, no deny pattern matches, and an allow pattern matches.
   */
  public boolean allows(Command cmd, String resource) {
    if (cmd.isCluster()) {
      return false;
    }
    if (anyMatch(deny.get(cmd.text()), resource)) {
      return false;
    }
    return anyMatch(allow.get(cmd.text()), resource);
  }

  /**
   * Whether this policy lets a User run the list command {@code cmd} with {@code prefix}: any allow
   * rule for the command allows listing, unless a deny pattern matches the prefix ({@code *} denies
   * every prefix).
   */
  public boolean allowsListing(Command cmd, String prefix) {
    if (cmd.isCluster()) {
      return false;
    }
    if (anyMatch(deny.get(cmd.text()), prefix)) {
      return false;
    }
    SortedSet<String> patterns = allow.get(cmd.text());
    return patterns != null && !patterns.isEmpty();
  }

  /** True if {@code pattern} ({@code *}, {@code prefix*} or exact) matches {@code name}. */
  public static boolean matches(String pattern, String name) {
    if (pattern.endsWith("*")) {
      return name.startsWith(pattern.substring(0, pattern.length() - 1));
    }
    return pattern.equals(name);
  }

  private static boolean anyMatch(SortedSet<String> patterns, String name) {
    if (patterns == null) {
      return false;
    }
    for (String p : patterns) {
      if (matches(p, name)) {
        return true;
      }
    }
    return false;
  }

  private static SortedMap<String, SortedSet<String>> toSorted(
      Map<String, ? extends Collection<String>> rules) {
    SortedMap<String, SortedSet<String>> out = new TreeMap<>();
    if (rules != null) {
      rules.forEach(
          (cmd, patterns) ->
              out.put(cmd, patterns == null ? new TreeSet<>() : new TreeSet<>(patterns)));
    }
    return out;
  }

  private static SortedMap<String, SortedSet<String>> normalize(
      Map<String, ? extends Collection<String>> rules) {
    TreeMap<String, TreeSet<String>> merged = new TreeMap<>();
    if (rules != null) {
      for (Map.Entry<String, ? extends Collection<String>> e : rules.entrySet()) {
        Command cmd = Command.parse(e.getKey());
        TreeSet<String> set = merged.computeIfAbsent(cmd.text(), k -> new TreeSet<>());
        if (e.getValue() != null) {
          for (String p : e.getValue()) {
            if (p != null && !p.isEmpty()) {
              set.add(p);
            }
          }
        }
      }
    }
    TreeMap<String, SortedSet<String>> out = new TreeMap<>();
    merged.forEach(
        (cmd, set) -> {
          if (!set.isEmpty()) {
            out.put(cmd, Collections.unmodifiableSortedSet(set));
          }
        });
    return Collections.unmodifiableSortedMap(out);
  }
}
