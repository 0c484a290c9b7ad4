package io.openkms.kms.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import io.openkms.kms.domain.Privilege;
import org.junit.jupiter.api.Test;

/**
 * The single-value types of journaled events read back under the object mapper that Pekko's jackson
 * serializers use ({@code ParameterNamesModule(JsonCreator.Mode.PROPERTIES)}, see Pekko's {@code
 * JacksonObjectMapperProvider}). Without {@code @JsonCreator(mode = DELEGATING)} their factories
 * become property-based creators without a property name, and a node holding a key can never
 * recover its journal. (This replaces a test guard that skipped the process tests while the bug was
 * there: a regression now fails here.)
 */
class JournalJsonTest {

  private final ObjectMapper pekkoLike =
      new ObjectMapper().registerModule(new ParameterNamesModule(JsonCreator.Mode.PROPERTIES));

  @Test
  void keyTypeReadsBack() throws Exception {
    assertEquals(KeyType.AES256, pekkoLike.readValue("\"AES256\"", KeyType.class));
    assertEquals(
        KeyType.CHACHA20,
        pekkoLike.readValue(pekkoLike.writeValueAsString(KeyType.CHACHA20), KeyType.class));
  }

  @Test
  void privilegeAndIdentityReadBack() throws Exception {
    for (Privilege p : Privilege.values()) {
      assertEquals(p, pekkoLike.readValue(pekkoLike.writeValueAsString(p), Privilege.class));
    }
    Identity id = ApiKey.generate().identity();
    assertEquals(id, pekkoLike.readValue(pekkoLike.writeValueAsString(id), Identity.class));
  }
}
