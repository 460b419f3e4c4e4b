// Graphs as text: a primitive's label and a tensor's expression (Theano's
// `pp`); `Function.listing` prints compiled programs with them.

extension Primitive {
    /// The name, with the parameters of primitives that have any:
    /// `exp`, `sum(axes: [0], keepDims: false)` (nil ones left out).
    var label: String {
        if self is Unary || self is Binary { return name }
        if let fused = self as? FusedElementwise { return fused.summary }
        // Parameters that are nil are left out; others print unwrapped.
        let parameters = Mirror(reflecting: self).children.compactMap { child -> String? in
            var value = child.value
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional {
                guard let wrapped = mirror.children.first?.value else { return nil }
                value = wrapped
            }
            return "\(child.label ?? "_"): \(value)"
        }
        return parameters.isEmpty ? name : "\(name)(\(parameters.joined(separator: ", ")))"
    }
}

/// Operators printed infix, as Python writes them.
private let infix: [BinaryOp: String] = [
    .add: "+", .subtract: "-", .multiply: "*", .divide: "/", .pow: "**", .floorDivide: "//",
    .remainder: "%", .less: "<", .lessEqual: "<=", .greater: ">", .greaterEqual: ">=",
    .equal: "==", .notEqual: "!=",
]

extension Tensor {
    /// The name of the operation that made this tensor, when its graph
    /// records one (nil for leaves and unrecorded values).
    public var operationName: String? { node?.primitive.name }

    /// The expression this tensor computes, in Python's syntax: leaves by
    /// name (or kind), small constants by value, operations as operators
    /// or calls (`sigmoid((x @ W) + b)`). A subexpression used several
    /// times is written each time; each is cut at `limit` characters.
    public func expression(limit: Int = 2000) -> String {
        var text = [ObjectIdentifier: String]()
        for tensor in Autodiff.topologicalOrder([self], expands: { $0.kind == .symbolic }) {
            text[ObjectIdentifier(tensor)] = tensor.term(text, limit: limit)
        }
        return text[ObjectIdentifier(self)] ?? ""
    }

    private func term(_ text: [ObjectIdentifier: String], limit: Int) -> String {
        guard kind == .symbolic, let node else { return leafTerm }
        let operands = node.inputs.map { text[ObjectIdentifier($0)] ?? "?" }
        // Operands of operators are parenthesized where they are operators too.
        let grouped = zip(node.inputs, operands).map { input, t in
            input.kind == .symbolic && (input.node?.primitive is Binary || input.node?.primitive is Matmul) ? "(\(t))" : t
        }
        let result: String
        if let binary = node.primitive as? Binary, let symbol = infix[binary.op] {
            result = "\(grouped[0]) \(symbol) \(grouped[1])"
        } else if node.primitive is Matmul {
            result = "\(grouped[0]) @ \(grouped[1])"
        } else if let unary = node.primitive as? Unary, unary.op == .negative {
            result = "-\(grouped[0])"
        } else {
            result = "\(node.primitive.label)(\(operands.joined(separator: ", ")))"
        }
        return result.count > limit ? String(result.prefix(limit)) + "…" : result
    }

    private var leafTerm: String {
        if let name { return name }
        switch kind {
        case .placeholder: return "<\(dtype) placeholder \(describe(type.shape))>"
        case .shared: return "<\(dtype) shared variable>"
        case .value, .symbolic:
            guard let value = storedValue else { return "<\(dtype) \(describe(type.shape))>" }
            if value.count == 1 && value.shape.isEmpty, let x = value.elements.first { return x.description }
            return "<\(dtype) constant \(describe(value.shape))>"
        }
    }
}
