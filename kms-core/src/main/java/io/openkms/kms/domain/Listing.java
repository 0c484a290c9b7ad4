package io.openkms.kms.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Predicate;

/**
 * Paging through a sorted map by name, as the client's {@code ListRequest} expects
 * (docs/PROTOCOL.md §8): {@code prefix} filters names; {@code continueAt} names the item where the
 * page starts (inclusive; if it does not start with {@code prefix} the page is empty); {@code
 * limit} 0 (or less, or more than {@value #MAX_LIMIT}) means {@value #MAX_LIMIT}. The page's {@code
 * continueAt} is the name of the first item of the next page, or {@code ""} at the end. Costs O(log
 * n + limit).
 */
public final class Listing {
  /** The largest page, also used for limit 0. */
  public static final int MAX_LIMIT = 1000;

  private Listing() {}

  /**
   * One page of {@code items}.
   *
   * @param items name → item, sorted by name
   * @param prefix name prefix, {@code ""} (or null) for all
   * @param continueAt first name of the page, {@code ""} (or null) to start at the beginning
   * @param limit page size; 0 or out of 1..1000 means 1000
   */
  public static <T> Page<T> page(
      SortedMap<String, T> items, String prefix, String continueAt, int limit) {
    return page(items, prefix, continueAt, limit, name -> true);
  }

  /**
   * One page of the items whose name {@code visible} accepts (issue 13, "LIST ignores per-name
   * policy": a User's list is filtered name by name through its policy). Hidden names are skipped:
   * they neither count towards {@code limit} nor appear as the page's {@code continueAt}. Costs
   * O(log n + scanned names); the scan ends at the prefix's end, so it is bounded by the enclave's
   * quota ({@code limits.keys_per_enclave} and the like).
   *
   * @param visible true for the names the caller may see
   */
  public static <T> Page<T> page(
      SortedMap<String, T> items,
      String prefix,
      String continueAt,
      int limit,
      Predicate<String> visible) {
    String p = prefix == null ? "" : prefix;
    String start = continueAt == null || continueAt.isEmpty() ? p : continueAt;
    if (!start.startsWith(p)) {
      return new Page<>(List.of(), "");
    }
    int max = limit <= 0 || limit > MAX_LIMIT ? MAX_LIMIT : limit;
    List<T> page = new ArrayList<>(Math.min(max, items.size()));
    for (Map.Entry<String, T> e : items.tailMap(start).entrySet()) {
      if (!e.getKey().startsWith(p)) {
        break;
      }
      if (!visible.test(e.getKey())) {
        continue;
      }
      if (page.size() == max) {
        return new Page<>(page, e.getKey());
      }
      page.add(e.getValue());
    }
    return new Page<>(page, "");
  }
}
