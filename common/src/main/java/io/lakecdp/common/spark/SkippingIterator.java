package io.lakecdp.common.spark;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Maps a partition's iterator lazily, dropping elements the function maps to null. For
 * {@code mapPartitions}: nothing of the partition is buffered.
 */
public final class SkippingIterator<T, R> implements Iterator<R> {
  private final Iterator<T> source;
  private final Function<T, R> fn;
  private R next;

  public SkippingIterator(Iterator<T> source, Function<T, R> fn) {
    this.source = source;
    this.fn = fn;
  }

  @Override
  public boolean hasNext() {
    while (next == null && source.hasNext()) {
      next = fn.apply(source.next());
    }
    return next != null;
  }

  @Override
  public R next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    R r = next;
    next = null;
    return r;
  }
}
