/// The loop nest shared by every kernel: up to three operands of one shape
/// (an output and inputs; strides in elements, 0 for broadcasting), with
/// length-1 axes dropped and neighbouring axes merged wherever every
/// operand steps across them evenly, so contiguous arrays become one row.
struct StridedLoop {
    /// Merged lengths, outermost first; empty for a single element.
    private(set) var shape: [Int] = []
    private(set) var strides: ([Int], [Int], [Int]) = ([], [], [])
    /// Whether some length is 0: there is nothing to visit.
    private(set) var isEmpty = false

    init(shape: [Int], _ s0: [Int], _ s1: [Int] = [], _ s2: [Int] = []) {
        @inline(__always) func at(_ s: [Int], _ i: Int) -> Int { s.isEmpty ? 0 : s[i] }
        for axis in shape.indices {
            let n = shape[axis]
            if n == 0 { isEmpty = true; return }
            if n == 1 { continue }  // any stride may sit on a length-1 axis
            let (a, b, c) = (at(s0, axis), at(s1, axis), at(s2, axis))
            if let last = self.shape.indices.last,
               strides.0[last] == a &* n, strides.1[last] == b &* n, strides.2[last] == c &* n {
                self.shape[last] &*= n
                strides.0[last] = a; strides.1[last] = b; strides.2[last] = c
            } else {
                self.shape.append(n)
                strides.0.append(a); strides.1.append(b); strides.2.append(c)
            }
        }
    }

    /// The number of elements in each innermost row.
    var rowLength: Int { shape.last ?? 1 }
    /// The number of rows.
    var rowCount: Int { isEmpty ? 0 : shape.dropLast().reduce(1, &*) }

    /// Calls `body(o0, o1, o2, n, d0, d1, d2)` for each row, where `o` are
    /// the operands' offsets of the row's first element and `d` their steps.
    /// Not inlined: kernels inline only their row body, which keeps each
    /// of the hundreds of specialized kernels small.
    func forEachRow(_ body: (Int, Int, Int, Int, Int, Int, Int) -> Void) {
        forEachRow(in: 0..<rowCount, body)
    }

    /// As `forEachRow`, for the rows in `rows` only (for splitting work).
    @inline(never)
    func forEachRow(in rows: Range<Int>, _ body: (Int, Int, Int, Int, Int, Int, Int) -> Void) {
        guard !isEmpty, !rows.isEmpty else { return }
        let rank = shape.count
        guard rank > 0 else { return body(0, 0, 0, 1, 0, 0, 0) }
        let n = shape[rank - 1]
        let d0 = strides.0[rank - 1], d1 = strides.1[rank - 1], d2 = strides.2[rank - 1]
        guard rank > 1 else { return body(0, 0, 0, n, d0, d1, d2) }
        // Start at row `rows.lowerBound`: its index along each outer axis.
        var index = [Int](repeating: 0, count: rank - 1)
        var o0 = 0, o1 = 0, o2 = 0, rest = rows.lowerBound
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            let i = rest % shape[axis]
            rest /= shape[axis]
            index[axis] = i
            o0 &+= i &* strides.0[axis]; o1 &+= i &* strides.1[axis]; o2 &+= i &* strides.2[axis]
        }
        for _ in rows {
            body(o0, o1, o2, n, d0, d1, d2)
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                o0 &+= strides.0[axis]; o1 &+= strides.1[axis]; o2 &+= strides.2[axis]
                if index[axis] < shape[axis] { break }
                o0 &-= strides.0[axis] &* shape[axis]
                o1 &-= strides.1[axis] &* shape[axis]
                o2 &-= strides.2[axis] &* shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

/// The strides that make `array` read as if broadcast to `shape`: zero
/// along axes it lacks or has length 1 in.
func broadcastStrides(_ array: NDArray, to shape: [Int]) -> [Int] {
    let lead = shape.count - array.shape.count
    return shape.indices.map { axis in
        let i = axis - lead
        return i < 0 || array.shape[i] == 1 ? 0 : array.strides[i]
    }
}
