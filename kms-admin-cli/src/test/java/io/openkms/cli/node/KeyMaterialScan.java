package io.openkms.cli.node;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Looks for a secret in stored bytes, in every form a store could hold it in: the raw bytes,
 * standard and URL-safe base64 (with and without padding), and hex (lower and upper case). Matches
 * of the raw bytes at any offset, so a secret inside a larger record or page is found.
 */
public final class KeyMaterialScan {

  private final Map<String, byte[]> forms = new LinkedHashMap<>();

  /**
   * @param secret the key material to look for (e.g. the 32 bytes of an imported key)
   */
  KeyMaterialScan(byte[] secret) {
    forms.put("raw", secret.clone());
    ascii("base64", Base64.getEncoder().encodeToString(secret));
    ascii("base64 unpadded", Base64.getEncoder().withoutPadding().encodeToString(secret));
    ascii("base64url", Base64.getUrlEncoder().encodeToString(secret));
    ascii("base64url unpadded", Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    ascii("hex", HexFormat.of().formatHex(secret));
    ascii("HEX", HexFormat.of().withUpperCase().formatHex(secret));
  }

  private void ascii(String name, String text) {
    forms.put(name, text.getBytes(StandardCharsets.US_ASCII));
  }

  /** The form and offset of the first occurrence in {@code data}, if any. */
  Optional<String> find(byte[] data) {
    for (Map.Entry<String, byte[]> form : forms.entrySet()) {
      int at = indexOf(data, form.getValue());
      if (at >= 0) {
        return Optional.of(form.getKey() + " at offset " + at);
      }
    }
    return Optional.empty();
  }

  /** As {@link #find(byte[])} for text (its UTF-8 bytes). */
  Optional<String> find(String text) {
    return find(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The first offset of {@code needle} in {@code data}, or -1. */
  public static int indexOf(byte[] data, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= data.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
