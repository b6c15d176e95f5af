/// Layers run one after another: the output of each is the input of the next. The acoustic
/// model is one; a test or a tool may run any slice of a model's layers as one too.
public final class LayerStack: Layer {
    public let layers: [any Layer]
    public var inputSize: Int { layers.first!.inputSize }
    public var outputSize: Int { layers.last!.outputSize }
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public var subsampling: Int { layers.reduce(1) { $0 * $1.subsampling } }

    public init(_ layers: [any Layer]) {
        precondition(!layers.isEmpty, "a layer stack needs at least one layer")
        for (a, b) in zip(layers, layers.dropFirst()) {
            precondition(a.outputSize == b.inputSize, "\(type(of: a)) gives \(a.outputSize) values per frame, \(type(of: b)) takes \(b.inputSize)")
        }
        self.layers = layers
    }

    public func outputFrames(_ frames: Int) -> Int { layers.reduce(frames) { $1.outputFrames($0) } }

    final class Workspace: LayerWorkspace {
        let layers: [LayerWorkspace]
        init(_ layers: [LayerWorkspace]) { self.layers = layers }
    }

    public func makeWorkspace() -> LayerWorkspace { Workspace(layers.map { $0.makeWorkspace() }) }

    public func forward(_ x: PackedRows, workspace w: LayerWorkspace, pass: ForwardPass) -> PackedRows {
        let ws = workspace(w, as: Workspace.self)
        var h = x
        for (layer, lw) in zip(layers, ws.layers) { h = layer.forward(h, workspace: lw, pass: pass) }
        return h
    }

    /// Back through the layers in reverse; the first layer computes dx only with `inputGradient`.
    public func backward(_ dy: UnsafePointer<Float>, workspace w: LayerWorkspace, inputGradient: Bool) -> UnsafeMutablePointer<Float>? {
        let ws = workspace(w, as: Workspace.self)
        var g = dy
        var dx: UnsafeMutablePointer<Float>?
        for k in layers.indices.reversed() {
            dx = layers[k].backward(g, workspace: ws.layers[k], inputGradient: k > 0 || inputGradient)
            guard k > 0, let d = dx else { break }
            g = UnsafePointer(d)
        }
        return dx
    }

    /// Restarts the random streams of every dropout layer in `w` (tests repeat a training pass).
    func reseedDropout(_ w: LayerWorkspace, _ seed: UInt64) {
        let ws = workspace(w, as: Workspace.self)
        for (layer, lw) in zip(layers, ws.layers) {
            if let dropout = layer as? Dropout { dropout.reseed(lw, seed ^ UInt64(dropout.index)) }
            if let stack = layer as? LayerStack { stack.reseedDropout(lw, seed) }
        }
    }
}

/// N stacked recurrent layers, PyTorch's `nn.GRU`/`nn.LSTM` with `num_layers = N`: parameter
/// names `<prefix>.weight_ih_l{k}[_reverse]` etc., and dropout on the output of every layer
/// but the last, in training only.
public enum RecurrentEncoder {
    public static func layers(cell: CellType, inputSize: Int, hidden: Int, layers: Int, bidirectional: Bool = true,
                              dropout: Float = 0, prefix: String = "encoder", rng: inout SeededRandom) -> [any Layer] {
        precondition(layers >= 1 && hidden >= 1 && inputSize >= 1)
        let width = hidden * (bidirectional ? 2 : 1)
        let recurrent = (0..<layers).map { k in
            RecurrentLayer(cell: cell, inputSize: k == 0 ? inputSize : width, hidden: hidden, layer: k,
                           bidirectional: bidirectional, prefix: prefix, rng: &rng)
        }
        // One draw, after the weights, seeds the dropout streams (the classifier's weights
        // that follow are drawn from the same generator).
        let dropoutSeed = rng.next()
        var stack: [any Layer] = []
        for (k, layer) in recurrent.enumerated() {
            stack.append(layer)
            if k < layers - 1 && dropout > 0 {
                stack.append(Dropout(size: width, probability: dropout, index: k, seed: dropoutSeed ^ UInt64(k)))
            }
        }
        return stack
    }

    /// The same layers as one stack (tests and tools that run the encoder alone).
    public static func stack(cell: CellType, inputSize: Int, hidden: Int, layers: Int, bidirectional: Bool = true,
                             dropout: Float = 0, prefix: String = "encoder", rng: inout SeededRandom) -> LayerStack {
        LayerStack(Self.layers(cell: cell, inputSize: inputSize, hidden: hidden, layers: layers, bidirectional: bidirectional,
                               dropout: dropout, prefix: prefix, rng: &rng))
    }
}
