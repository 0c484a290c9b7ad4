package io.openkms.kms.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link Listing}: docs/PROTOCOL.md §8 pagination. */
class ListingTest {
  private static TreeMap<String, String> items(String... names) {
    TreeMap<String, String> m = new TreeMap<>();
    for (String n : names) {
      m.put(n, n);
    }
    return m;
  }

  private static final TreeMap<String, String> ITEMS =
      items("app-1", "app-2", "app-3", "b", "c-1", "c-2");

  @Test
  void allInOnePage() {
    Page<String> p = Listing.page(ITEMS, "", "", 0);
    assertEquals(List.of("app-1", "app-2", "app-3", "b", "c-1", "c-2"), p.items());
    assertEquals("", p.continueAt());
    assertEquals(p, Listing.page(ITEMS, null, null, 0));
  }

  @Test
  void prefixFilters() {
    assertEquals(
        new Page<>(List.of("app-1", "app-2", "app-3"), ""), Listing.page(ITEMS, "app-", "", 0));
    assertEquals(new Page<>(List.of("c-1", "c-2"), ""), Listing.page(ITEMS, "c", "", 0));
    assertEquals(new Page<>(List.of(), ""), Listing.page(ITEMS, "zz", "", 0));
  }

  @Test
  void pagesFollowContinueAt() {
    Page<String> p1 = Listing.page(ITEMS, "", "", 2);
    assertEquals(new Page<>(List.of("app-1", "app-2"), "app-3"), p1);
    Page<String> p2 = Listing.page(ITEMS, "", p1.continueAt(), 2);
    assertEquals(new Page<>(List.of("app-3", "b"), "c-1"), p2);
    Page<String> p3 = Listing.page(ITEMS, "", p2.continueAt(), 2);
    assertEquals(new Page<>(List.of("c-1", "c-2"), ""), p3);
    assertEquals(new Page<>(List.of("app-1", "app-2"), "app-3"), Listing.page(ITEMS, "app", "", 2));
    assertEquals(new Page<>(List.of("app-3"), ""), Listing.page(ITEMS, "app", "app-3", 2));
  }

  @Test
  void continueAtIsInclusiveAndMustMatchThePrefix() {
    assertEquals(new Page<>(List.of("b", "c-1", "c-2"), ""), Listing.page(ITEMS, "", "b", 0));
    // Not an existing name: starts at the next name.
    assertEquals(new Page<>(List.of("b", "c-1", "c-2"), ""), Listing.page(ITEMS, "", "az", 0));
    assertEquals(new Page<>(List.of(), ""), Listing.page(ITEMS, "app-", "b", 0));
    assertEquals(new Page<>(List.of(), ""), Listing.page(ITEMS, "", "zzz", 0));
  }

  @Test
  void limitZeroNegativeOrTooLargeMeansThousand() {
    TreeMap<String, String> many = new TreeMap<>();
    for (int i = 0; i < 2500; i++) {
      many.put(String.format("k%04d", i), "v" + i);
    }
    for (int limit : new int[] {0, -1, 1001, Integer.MAX_VALUE}) {
      Page<String> p = Listing.page(many, "", "", limit);
      assertEquals(1000, p.items().size());
      assertEquals("v0", p.items().get(0));
      assertEquals("k1000", p.continueAt());
    }
    Page<String> last = Listing.page(many, "", "k2000", 0);
    assertEquals(500, last.items().size());
    assertEquals("", last.continueAt());
    assertEquals(new Page<>(List.of("v1000"), "k1001"), Listing.page(many, "", "k1000", 1));
  }

  @Test
  void hiddenNamesAreSkippedAndNeverNameTheNextPage() {
    java.util.function.Predicate<String> visible = n -> !n.startsWith("app-2") && !n.equals("c-1");
    assertEquals(
        new Page<>(List.of("app-1", "app-3", "b", "c-2"), ""),
        Listing.page(ITEMS, "", "", 0, visible));
    Page<String> p1 = Listing.page(ITEMS, "", "", 2, visible);
    assertEquals(new Page<>(List.of("app-1", "app-3"), "b"), p1);
    assertEquals(
        new Page<>(List.of("b", "c-2"), ""), Listing.page(ITEMS, "", p1.continueAt(), 2, visible));
    assertEquals(new Page<>(List.of(), ""), Listing.page(ITEMS, "c-1", "", 0, visible));
    assertEquals(new Page<>(List.of(), ""), Listing.page(ITEMS, "", "", 0, n -> false));
  }
}
