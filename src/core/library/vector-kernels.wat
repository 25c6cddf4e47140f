;; The library's vector search kernels, in WebAssembly SIMD: the 1-bit stage's Hamming distances
;; (i8x16.popcnt) and the rescoring's int8 dot products. In plain JS the two took 2–4 ms and
;; ~0.5 ms at 100k chunks (a popcount table and bit tricks measured the same); here a tenth.
;; Built into vector-kernels-wasm.ts by scripts/build-kernels.mjs (wabt); vector-kernels.ts is
;; its JS side.
(module
  (memory (export "memory") 1)

  ;; codes: n codes of `blocks` 16-byte blocks each, one after another; query: `blocks` blocks.
  ;; Writes dist[i] (u16) = popcount(code i XOR query) and counts each distance in hist (u32[]).
  ;; A lane sums at most 8 bits per block: blocks ≤ 31 keeps it within a byte (dims ≤ 3968).
  (func (export "hamming") (param $codes i32) (param $n i32) (param $blocks i32) (param $query i32) (param $dist i32) (param $hist i32)
    (local $i i32) (local $b i32) (local $p i32) (local $q i32) (local $d i32) (local $acc v128)
    (local.set $p (local.get $codes))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $q (local.get $query))
        (local.set $b (local.get $blocks))
        (loop $block
          (local.set $acc
            (i8x16.add (local.get $acc)
              (i8x16.popcnt (v128.xor (v128.load (local.get $p)) (v128.load (local.get $q))))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (local.set $b (i32.sub (local.get $b) (i32.const 1)))
          (br_if $block (local.get $b)))
        ;; 16 byte lanes → 8 → 4, then the four summed.
        (local.set $acc (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc))))
        (local.set $d
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
        (i32.store16 (i32.add (local.get $dist) (i32.shl (local.get $i) (i32.const 1))) (local.get $d))
        (local.set $d (i32.add (local.get $hist) (i32.shl (local.get $d) (i32.const 2))))
        (i32.store (local.get $d) (i32.add (i32.load (local.get $d)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; rows: n int8 rows of `dims` values (dims a multiple of 16), one after another; query: dims
  ;; f32. Writes out[r] (f32) = Σ query[i] · row r[i]; lane j of the sum adds the products of
  ;; i ≡ j (mod 4), as quantize.ts's dotInt8 does in JS.
  (func (export "dots") (param $query i32) (param $rows i32) (param $n i32) (param $dims i32) (param $out i32)
    (local $r i32) (local $i i32) (local $p i32) (local $q i32) (local $acc v128) (local $v v128) (local $w v128)
    (local.set $p (local.get $rows))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $q (local.get $query))
        (local.set $i (local.get $dims))
        (loop $chunk
          (local.set $v (v128.load (local.get $p)))
          (local.set $w (i16x8.extend_low_i8x16_s (local.get $v)))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $w))) (v128.load (local.get $q)))))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $w))) (v128.load offset=16 (local.get $q)))))
          (local.set $w (i16x8.extend_high_i8x16_s (local.get $v)))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $w))) (v128.load offset=32 (local.get $q)))))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $w))) (v128.load offset=48 (local.get $q)))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 64)))
          (local.set $i (i32.sub (local.get $i) (i32.const 16)))
          (br_if $chunk (local.get $i)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))
)
