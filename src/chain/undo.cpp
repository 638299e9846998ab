#include "chain/undo.h"

namespace wattle::chain {

Result<StateWrites> make_undo(const StateReader& before, const StateWrites& writes,
                              UndoMutation mutation) {
  StateWrites undo;
  for (const auto& [key, value] : writes) {
    if (mutation == UndoMutation::kNoUndoEscrow && key.ns == Namespace::kEscrow) continue;
    auto old = before.read(key);
    if (!old) return old.status();
    undo.emplace(key, std::move(*old));
  }
  return undo;
}

Bytes encode_undo(const StateWrites& undo) {
  Writer w;
  w.u32(static_cast<uint32_t>(undo.size()));
  for (const auto& [key, value] : undo) {
    w.bytes(key.encoded());
    w.boolean(value.has_value());
    if (value) w.bytes(*value);
  }
  return std::move(w).take();
}

Result<StateWrites> decode_undo(ByteView bytes) {
  Reader r(bytes);
  uint32_t n = 0;
  if (Status st = r.count(n, kMaxUndoKeys, 5); !st) return st;
  StateWrites undo;
  for (uint32_t i = 0; i < n; ++i) {
    Bytes key_bytes;
    bool present = false;
    if (Status st = r.bytes(key_bytes, kMaxStateIdBytes + 1); !st) return st;
    auto key = StateKey::decode(key_bytes);
    if (!key) return key.status();
    if (!undo.empty() && !(undo.rbegin()->first < *key))
      return Status(Code::kMalformed, "undo keys out of order or repeated");
    if (Status st = r.boolean(present); !st) return st;
    std::optional<Bytes> value;
    if (present) {
      value.emplace();
      if (Status st = r.bytes(*value, bytes.size()); !st) return st;
    }
    undo.emplace_hint(undo.end(), std::move(*key), std::move(value));
  }
  if (Status st = r.finish(); !st) return st;
  return undo;
}

}  // namespace wattle::chain
