package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.IdentityResponse;
import io.openkms.http.proto.KeyStatusResponse;
import io.openkms.http.proto.ListKeysResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.kms.crypto.ApiKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Listing (docs/PROTOCOL.md §8, "Pagination"): names sorted, prefix filter, {@code continue_at} the
 * inclusive start, limit 0 = the server maximum of 1000, and the response's {@code continue_at} the
 * first name of the next page or {@code ""} at the end.
 */
class KmsApiListingTest {

  private static TestKmsServer server;
  private static KmsClient root;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    root = server.root();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("list").build());
    List<String> names = new ArrayList<>();
    IntStream.range(0, 25).forEach(i -> names.add(String.format("key-%02d", i)));
    names.addAll(List.of("a-first", "zz-last", "Key-Upper", "key"));
    Collections.shuffle(names, new Random(7));
    for (String n : names) {
      root.createKey("list", CreateKeyRequest.newBuilder().setName(n).build());
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static ListKeysResponse list(
      String enclave, String prefix, String continueAt, int limit) {
    return root.listKeys(
        enclave,
        ListRequest.newBuilder()
            .setPrefix(prefix)
            .setContinueAt(continueAt)
            .setLimit(limit)
            .build());
  }

  private static List<String> names(ListKeysResponse r) {
    return r.getKeysList().stream().map(KeyStatusResponse::getName).toList();
  }

  private static List<String> keyRange(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> String.format("key-%02d", i)).toList();
  }

  @Test
  void pagesOfTenThroughTwentyFiveKeysWithAPrefix() {
    ListKeysResponse p1 = list("list", "key-", "", 10);
    assertEquals(keyRange(0, 10), names(p1));
    assertEquals("key-10", p1.getContinueAt());
    ListKeysResponse p2 = list("list", "key-", p1.getContinueAt(), 10);
    assertEquals(keyRange(10, 20), names(p2));
    assertEquals("key-20", p2.getContinueAt());
    ListKeysResponse p3 = list("list", "key-", p2.getContinueAt(), 10);
    assertEquals(keyRange(20, 25), names(p3));
    assertEquals("", p3.getContinueAt());
    for (KeyStatusResponse k : p1.getKeysList()) {
      assertEquals(
          "1 AES256 " + server.rootKey().identity(),
          k.getVersion() + " " + k.getType() + " " + k.getCreatedBy());
    }
  }

  @Test
  void everythingSortedByNameWithLimitZero() {
    List<String> expected = new ArrayList<>(List.of("Key-Upper", "a-first", "key", "zz-last"));
    expected.addAll(keyRange(0, 25));
    Collections.sort(expected);
    ListKeysResponse all = list("list", "", "", 0);
    assertEquals(expected, names(all));
    assertEquals("", all.getContinueAt());
    assertEquals("Key-Upper", expected.get(0));
  }

  @Test
  void continueAtIsAnInclusiveStart() {
    ListKeysResponse r = list("list", "key-", "key-05", 3);
    assertEquals(List.of("key-05", "key-06", "key-07"), names(r));
    assertEquals("key-08", r.getContinueAt());
    // A start that is not an existing name begins at the next name after it.
    assertEquals(List.of("key-10", "key-11"), names(list("list", "key-", "key-09x", 2)));
    // The page ends exactly at the last item: no next page.
    ListKeysResponse last = list("list", "key-", "key-23", 2);
    assertEquals(List.of("key-23", "key-24"), names(last));
    assertEquals("", last.getContinueAt());
    // Prefix "key" also matches "key" itself and the key-NN names.
    assertEquals(List.of("key", "key-00"), names(list("list", "key", "", 2)));
    // A continue_at outside the prefix gives an empty page.
    ListKeysResponse outside = list("list", "key-", "zz-last", 10);
    assertEquals(List.of(), names(outside));
    assertEquals("", outside.getContinueAt());
    assertEquals(List.of(), names(list("list", "nothing", "", 0)));
  }

  @Test
  void limitZeroAndLargeLimitsAreCappedAtOneThousand() throws Exception {
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("big").build());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> creates = new ArrayList<>();
      for (int i = 0; i < 1003; i++) {
        String name = String.format("b%04d", i);
        creates.add(
            pool.submit(
                () -> root.createKey("big", CreateKeyRequest.newBuilder().setName(name).build())));
      }
      for (Future<?> f : creates) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (int limit : new int[] {0, 1000, 1001, 5000, -1}) {
      ListKeysResponse first = list("big", "", "", limit);
      assertEquals(1000, first.getKeysCount(), "limit " + limit);
      assertEquals("b0000", first.getKeys(0).getName());
      assertEquals("b0999", first.getKeys(999).getName());
      assertEquals("b1000", first.getContinueAt());
    }
    ListKeysResponse rest = list("big", "", "b1000", 0);
    assertEquals(List.of("b1000", "b1001", "b1002"), names(rest));
    assertEquals("", rest.getContinueAt());
  }

  @Test
  void policiesIdentitiesAndEnclavesListSortedToo() {
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("other").build());
    for (String p : List.of("p-c", "p-a", "q", "p-b")) {
      root.createPolicy("other", CreatePolicyRequest.newBuilder().setName(p).build());
    }
    var policies =
        root.listPolicies("other", ListRequest.newBuilder().setPrefix("p-").setLimit(2).build());
    assertEquals(
        List.of("p-a", "p-b"), policies.getPoliciesList().stream().map(p -> p.getName()).toList());
    assertEquals("p-c", policies.getContinueAt());

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = ApiKey.generate().identity().toString();
      ids.add(id);
      root.createIdentity(
          "other", CreateIdentityRequest.newBuilder().setIdentity(id).setPrivilege("User").build());
    }
    Collections.sort(ids);
    var identities = root.listIdentities("other", ListRequest.getDefaultInstance());
    assertEquals(
        ids, identities.getIdentitiesList().stream().map(IdentityResponse::getIdentity).toList());
    assertEquals("", identities.getContinueAt());

    var enclaves = root.listEnclaves(ListRequest.getDefaultInstance());
    List<String> enclaveNames = enclaves.getEnclavesList().stream().map(e -> e.getName()).toList();
    List<String> sorted = new ArrayList<>(enclaveNames);
    Collections.sort(sorted);
    assertEquals(sorted, enclaveNames);
    assertEquals(true, enclaveNames.containsAll(List.of("list", "other")));
  }
}
