package io.openkms.kms.domain;

import java.util.List;
import java.util.Objects;

/**
 * One page of a listing (docs/PROTOCOL.md §8, "Pagination").
 *
 * @param items the items, sorted by name
 * @param continueAt the name of the first item of the next page, or {@code ""} at the end
 * @param <T> the item type
 */
public record Page<T>(List<T> items, String continueAt) {

  /** Copies the items. */
  public Page {
    items = List.copyOf(items);
    Objects.requireNonNull(continueAt, "continueAt");
  }
}
