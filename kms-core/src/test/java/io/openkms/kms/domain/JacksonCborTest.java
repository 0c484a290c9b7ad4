package io.openkms.kms.domain;

import static io.openkms.kms.domain.Fixtures.ADMIN;
import static io.openkms.kms.domain.Fixtures.ROOT;
import static io.openkms.kms.domain.Fixtures.SA;
import static io.openkms.kms.domain.Fixtures.STRANGER;
import static io.openkms.kms.domain.Fixtures.T0;
import static io.openkms.kms.domain.Fixtures.USER;
import static io.openkms.kms.domain.Fixtures.policy;
import static io.openkms.kms.domain.Fixtures.standard;
import static io.openkms.kms.domain.Fixtures.version;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import io.openkms.kms.crypto.DecryptException;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyRing;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@link Change}, a {@link KmsState} snapshot and the crypto values round-trip through
 * Jackson CBOR, with a plain mapper and with one configured like Pekko's {@code jackson-cbor}
 * serializer (JavaTimeModule, ParameterNamesModule, Jdk8Module, field visibility ANY, dates as
 * text). Unknown properties fail, so no getter leaks into the form.
 */
class JacksonCborTest {

  static Stream<Arguments> mappers() {
    ObjectMapper plain =
        new ObjectMapper(new CBORFactory())
            .registerModule(new JavaTimeModule())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    ObjectMapper pekkoLike =
        new ObjectMapper(new CBORFactory())
            .registerModule(new ParameterNamesModule())
            .registerModule(new Jdk8Module())
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY);
    return Stream.of(Arguments.of("plain", plain), Arguments.of("pekko-like", pekkoLike));
  }

  static List<Change> everyChange() {
    return List.of(
        new Change.InitCluster("07070707-0707-4707-8707-070707070707", "a:7373"),
        new Change.AddNode("b:7373"),
        Change.RemoveNode.of(1),
        new Change.RemoveNode(2, true),
        new Change.CreateEnclave("e", T0, ROOT),
        new Change.DeleteEnclave("e"),
        new Change.CreateKey("e", "k", version(1)),
        new Change.ImportKey(
            "e", "k", new KeyVersion(1, KeyType.CHACHA20, new byte[32], T0, Identity.ZERO)),
        new Change.AddKeyVersion("e", "k", version(2)),
        new Change.DeleteKeyVersion("e", "k", 2),
        new Change.DeleteKey("e", "k"),
        new Change.CreatePolicy(
            "e",
            policy(
                "p",
                Map.of("KEY:ENCRYPT", List.of("a*", "b")),
                Map.of("KEY:ENCRYPT", List.of("a-secret")))),
        new Change.DeletePolicy("e", "p"),
        new Change.AssignPolicy("e", USER, "p"),
        new Change.CreateIdentity(
            "e",
            IdentityEntry.serviceAccount(
                SA, ADMIN, Privilege.ADMIN, T0, ADMIN, Map.of("team", "storage"))),
        new Change.CreateIdentity(
            "", IdentityEntry.of(STRANGER, Privilege.SYS_ADMIN, T0, Identity.ZERO)),
        new Change.DeleteIdentity("e", USER),
        new Change.RestoreState(
            Fixtures.standard().enclaves(), Fixtures.standard().sysAdmins(), 11, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mappers")
  void everyChangeRoundTrips(String name, ObjectMapper mapper) throws Exception {
    List<Change> changes = everyChange();
    assertEquals(
        16,
        Change.class
            .getAnnotation(com.fasterxml.jackson.annotation.JsonSubTypes.class)
            .value()
            .length);
    for (Change c : changes) {
      byte[] bytes = mapper.writeValueAsBytes(c);
      assertEquals(c, mapper.readValue(bytes, Change.class), c.getClass().getSimpleName());
      // Pekko writes with the concrete class as manifest and reads it back by that class.
      assertEquals(
          c, mapper.readValue(mapper.writerFor(c.getClass()).writeValueAsBytes(c), c.getClass()));
    }
  }

  /** A removal journaled before {@code withoutAck} existed reads as one the member acknowledges. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("mappers")
  void removalWithoutTheFlagReadsAsAcknowledged(String name, ObjectMapper mapper) throws Exception {
    byte[] old = mapper.writeValueAsBytes(Map.of("@type", "RemoveNode", "nodeId", 3));
    assertEquals(Change.RemoveNode.of(3), mapper.readValue(old, Change.class));
    byte[] now = mapper.writerFor(Change.class).writeValueAsBytes(Change.RemoveNode.of(3));
    assertTrue(
        !new String(now, StandardCharsets.ISO_8859_1).contains("withoutAck"),
        "the default is not written: old nodes read new removals");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mappers")
  void stateSnapshotRoundTrips(String name, ObjectMapper mapper) throws Exception {
    KmsState s =
        standard()
            .apply(new Change.AddKeyVersion("e", "k", version(2)))
            .apply(new Change.AddKeyVersion("e", "k", version(3)))
            .apply(new Change.DeleteKeyVersion("e", "k", 3))
            .apply(new Change.AddNode("b:7373"))
            .apply(
                new Change.CreateIdentity(
                    "e",
                    IdentityEntry.serviceAccount(
                        SA, USER, Privilege.USER, T0, USER, Map.of("x", "y"))));
    KmsState back = mapper.readValue(mapper.writeValueAsBytes(s), KmsState.class);
    assertEquals(s, back);
    assertEquals(4, back.key("e", "k").ring().nextVersion(), "the high-water mark survives");
    assertEquals(s.commitIndex(), back.commitIndex());
    assertEquals(Map.of(0, "node0:7373", 1, "b:7373"), back.membership().nodes());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mappers")
  void cryptoValuesRoundTrip(String name, ObjectMapper mapper) throws Exception {
    assertEquals(USER, mapper.readValue(mapper.writeValueAsBytes(USER), Identity.class));
    assertEquals(
        Identity.ZERO, mapper.readValue(mapper.writeValueAsBytes(Identity.ZERO), Identity.class));
    KeyVersion v = version(5);
    KeyVersion back = mapper.readValue(mapper.writeValueAsBytes(v), KeyVersion.class);
    assertEquals(v, back);
    assertArrayEquals(v.key(), back.key());
    byte[] ad = "ad".getBytes(StandardCharsets.UTF_8);
    try {
      assertArrayEquals(ad, back.decrypt(v.encrypt(ad, ad), ad));
    } catch (DecryptException e) {
      throw new AssertionError(e);
    }
    KeyRing ring = KeyRing.of(List.of(version(1), version(3)), 4);
    assertEquals(ring, mapper.readValue(mapper.writeValueAsBytes(ring), KeyRing.class));
    assertEquals(
        KeyType.CHACHA20,
        mapper.readValue(mapper.writeValueAsBytes(KeyType.CHACHA20), KeyType.class));
  }
}
