// Typed reads of module records: the record of type T at a state key, from
// any reader with read(key) (StateReader, StateOverlay, Store). Shared by the
// modules so each decodes its records one way: absent is nullopt (or a
// default T), a record that does not decode is kCorruption.
#pragma once

#include <optional>

#include "chain/state.h"
#include "core/codec.h"

namespace wattle::modules {

template <typename T, typename R>
Result<std::optional<T>> read_record(const R& reader, const chain::StateKey& key) {
  auto raw = reader.read(key);
  if (!raw) return raw.status();
  if (!*raw) return std::optional<T>();
  auto v = decode_exact<T>(**raw);
  if (!v) return Status(Code::kCorruption, "bad record: " + v.status().message());
  return std::optional<T>(std::move(*v));
}

// The same, with a default-constructed T for an absent record.
template <typename T, typename R>
Result<T> read_or_default(const R& reader, const chain::StateKey& key) {
  auto rec = read_record<T>(reader, key);
  if (!rec) return rec.status();
  return rec->value_or(T{});
}

}  // namespace wattle::modules
