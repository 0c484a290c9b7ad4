package io.openkms.cli.commands;

import io.openkms.kms.crypto.ApiKey;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How {@code minkms identity} and {@code minkms add-identity} show an API key and its identity
 * (docs/REFERENCE.md §2.3, identity-management docs): a {@code Your API key:} block with the {@code
 * k1:} key and a note on keeping it, a {@code Your API key's identity:} block with the {@code h1:}
 * identity and a note that it is not secret, then a hint how to recompute an identity. Pure.
 */
public final class ApiKeyText {
  /** Where the key came from; decides the note under it. */
  public enum Origin {
    /** Generated now: shown only once. */
    NEW,
    /** Derived from an HSM key: can be recomputed from it. */
    DERIVED,
    /** Given by the user. */
    GIVEN
  }

  private ApiKeyText() {}

  /**
   * The text, lines ended by {@code \n}:
   *
   * <pre>
   * Your API key:
   *
   *    k1:…
   *
   * &lt;note for the origin&gt;
   *
   * Your API key's identity:
   *
   *    h1:…
   *
   * The identity is not secret: it names the API key in identity and policy commands.
   *
   * Recompute the identity of an API key with: minkms identity k1:APIKEY
   * </pre>
   */
  public static String text(ApiKey key, Origin origin) {
    String note =
        switch (origin) {
          case NEW -> "This is the only time it is shown: copy it now and keep it secret.";
          case DERIVED ->
              "It is derived from the HSM key and can be recomputed from it at any time with:\n"
                  + "minkms identity hsm:aes256:KEYVALUE. Keep it secret.";
          case GIVEN -> "This is the API key you gave, not a new one. Keep it secret.";
        };
    return "Your API key:\n\n   "
        + key
        + "\n\n"
        + note
        + "\n\n"
        + "Your API key's identity:\n\n   "
        + key.identity()
        + "\n\n"
        + "The identity is not secret: it names the API key in identity and policy commands.\n\n"
        + "Recompute the identity of an API key with: minkms identity k1:APIKEY\n";
  }

  /** {@code {"api_key":"k1:…","identity":"h1:…"}}. */
  public static String json(ApiKey key) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("api_key", key.toString());
    fields.put("identity", key.identity().toString());
    return Json.object(fields);
  }
}
