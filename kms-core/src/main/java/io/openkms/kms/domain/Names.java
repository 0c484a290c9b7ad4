package io.openkms.kms.domain;

/**
 * The rule for enclave, key and policy names: 1 to 80 characters of {@code A-Z a-z 0-9 . _ -}, and
 * not {@code .} or {@code ..} (an enclave name is a URL path segment, docs/PROTOCOL.md §3).
 */
public final class Names {
  /** Maximum name length in characters. */
  public static final int MAX_LENGTH = 80;

  private Names() {}

  /**
   * Checks {@code name}.
   *
   * @param kind what the name is for, e.g. {@code key}, {@code enclave}, {@code policy}
   * @return {@code name}
   * @throws KmsException 400 {@code invalid <kind> name '<name>': <reason>}
   */
  public static String check(String kind, String name) {
    if (name == null || name.isEmpty()) {
      throw ApiError.invalidName(kind, "", "name is empty");
    }
    if (name.length() > MAX_LENGTH) {
      throw ApiError.invalidName(kind, name, "name is longer than " + MAX_LENGTH + " characters");
    }
    if (name.equals(".") || name.equals("..")) {
      throw ApiError.invalidName(kind, name, "'.' and '..' are not allowed");
    }
    for (int i = 0; i < name.length(); i++) {
      if (!allowed(name.charAt(i))) {
        throw ApiError.invalidName(kind, name, "only A-Z, a-z, 0-9, '.', '_' and '-' are allowed");
      }
    }
    return name;
  }

  /** True if {@link #check} would accept {@code name}. */
  public static boolean isValid(String name) {
    if (name == null
        || name.isEmpty()
        || name.length() > MAX_LENGTH
        || name.equals(".")
        || name.equals("..")) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!allowed(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean allowed(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '_'
        || c == '-';
  }
}
