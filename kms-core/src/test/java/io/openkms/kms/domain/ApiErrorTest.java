package io.openkms.kms.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link ApiError} and {@link KmsException}: docs/PROTOCOL.md §6.2 and our 400s. */
class ApiErrorTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "PERMISSION_DENIED|403|access denied: insufficient permissions",
        "ENCLAVE_EXISTS|409|enclave already exists",
        "ENCLAVE_NOT_FOUND|404|enclave does not exist",
        "KEY_EXISTS|409|key already exists",
        "KEY_NOT_FOUND|404|key does not exist",
        "POLICY_NOT_FOUND|404|policy does not exist",
        "IDENTITY_NOT_FOUND|404|identity does not exist",
        "INVALID_CIPHERTEXT|400|invalid ciphertext",
        "IDENTITY_EXISTS|409|identity already exists",
        "DELETE_KEY_ALL_VERSIONS_AND_VERSION|400|kms: invalid DeleteKeyRequest: all versions and non-zero version are incompatible",
      })
  void exactStatusAndMessage(ApiError error, int status, String message) {
    assertEquals(status, error.status());
    assertEquals(message, error.message());
    KmsException e = error.exception();
    assertEquals(status, e.status());
    assertEquals(message, e.message());
    assertEquals(message, e.getMessage());
    assertTrue(e.is(error));
  }

  @Test
  void exceptionsCarryNoStackTrace() {
    KmsException e = new KmsException(ApiError.KEY_NOT_FOUND);
    assertEquals(0, e.getStackTrace().length);
    assertNull(e.getCause());
    assertFalse(e.is(ApiError.POLICY_NOT_FOUND));
    assertEquals("KmsException[404 key does not exist]", e.toString());
    assertThrows(IllegalArgumentException.class, () -> new KmsException(200, "ok"));
  }

  @Test
  void parameterizedErrors() {
    assertError(400, "kms: key type 'AES' is not supported", ApiError.unsupportedKeyType("AES"));
    assertError(400, "kms: invalid cmd 'KEY:*'", ApiError.invalidCommand("KEY:*"));
    assertError(400, "kms: invalid privilege 'root'", ApiError.invalidPrivilege("root"));
    assertError(
        400,
        "kms: invalid data key length 1025: at most 1024 bytes",
        ApiError.dataKeyTooLong(1025));
    assertError(
        400,
        "kms: invalid key length 16: imported keys must be 32 bytes",
        ApiError.invalidImportKeyLength(16));
    assertError(
        400, "kms: invalid key version 5: the next version is 4", ApiError.invalidKeyVersion(5, 4));
    assertError(400, "invalid key name '-x': reason", ApiError.invalidName("key", "-x", "reason"));
    assertError(
        503,
        "server busy: responses not yet read by clients exceed"
            + " minkms.http.max-response-bytes-in-flight (67108864 bytes); try again",
        ApiError.responsesUnread("minkms.http.max-response-bytes-in-flight", 67108864));
  }

  @Test
  void dataKeyLength() {
    assertEquals(32, ApiError.dataKeyLength(0));
    assertEquals(1, ApiError.dataKeyLength(1));
    assertEquals(1024, ApiError.dataKeyLength(1024));
    assertError(
        400,
        "kms: invalid data key length 1025: at most 1024 bytes",
        assertThrows(KmsException.class, () -> ApiError.dataKeyLength(1025)));
    assertError(
        400,
        "kms: invalid data key length 4294967295: at most 1024 bytes",
        assertThrows(KmsException.class, () -> ApiError.dataKeyLength(4294967295L)));
  }

  static void assertError(int status, String message, KmsException e) {
    assertEquals(status, e.status());
    assertEquals(message, e.message());
  }
}
