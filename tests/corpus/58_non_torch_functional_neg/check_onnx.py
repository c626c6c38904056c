import numpy as np
import onnxruntime as ort

import functional as F


def evaluate(session, batches):
    losses = []
    for inputs, labels in batches:
        logits = session.run(None, {"input": inputs})[0]
        probs = F.softmax(logits)
        losses.append(F.cross_entropy(probs, labels))
    return float(np.mean(losses))


if __name__ == "__main__":
    sess = ort.InferenceSession("model.onnx")
    print("reference loss", evaluate(sess, np_batches))
