from middle import Middle


class Leaf(Middle):
    def forward(self, x):
        out = super().forward(x)
        return out
