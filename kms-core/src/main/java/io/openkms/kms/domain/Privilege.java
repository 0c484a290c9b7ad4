package io.openkms.kms.domain;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/**
 * An identity's privilege (docs/PROTOCOL.md §2.4, docs/REFERENCE.md §5.2). On the wire {@code
 * IdentityResponse.Privilege} is the number and {@code CreateIdentityRequest.Privilege} the name;
 * {@code ""} on create means {@link #USER}.
 */
public enum Privilege {
  /** Everything, cluster commands included. */
  SYS_ADMIN(1, "SysAdmin"),
  /** Everything inside its enclave. */
  ADMIN(2, "Admin"),
  /** What its assigned policy allows; nothing without one. */
  USER(3, "User");

  private final int value;
  private final String wireName;

  Privilege(int value, String wireName) {
    this.value = value;
    this.wireName = wireName;
  }

  /** The wire number: 1, 2 or 3. */
  public int value() {
    return value;
  }

  /** The wire name: {@code SysAdmin}, {@code Admin} or {@code User}. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /**
   * Parses the wire name exactly; {@code ""} is {@link #USER}.
   *
   * @throws KmsException 400 {@code kms: invalid privilege '<s>'}
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static Privilege parse(String s) {
    if (s == null || s.isEmpty()) {
      return USER;
    }
    for (Privilege p : values()) {
      if (p.wireName.equals(s)) {
        return p;
      }
    }
    throw ApiError.invalidPrivilege(s);
  }

  /** The privilege with wire number {@code value}, if any. */
  public static Optional<Privilege> fromValue(int value) {
    for (Privilege p : values()) {
      if (p.value == value) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
