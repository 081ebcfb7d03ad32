# Keras twin of bench/mnist-transfer.ts: the layout and protocol of Keras's mnist_transfer_cnn
# example (two 3x3 conv layers of 32 + ReLU, 2x2 max pooling, dropout 0.25, flatten = the feature
# layers; dense 128 ReLU, dropout 0.5, dense 5 softmax = the head; Adadelta at rate 1.0, the
# Keras 2 default the published figures used; batch 128, 5 epochs), on the splits tl exported
# (`bench/mnist-transfer.ts --export DIR`): train on 0-4, freeze the feature layers, train the
# head on 5-9, test on 5-9. Prints one JSON line.
#   ~/.cache/tl/keras-venv/bin/python bench/keras/mnist_transfer.py DIR [epochs]
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
t_start = time.perf_counter()
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

src = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
tf.keras.utils.set_random_seed(42)


def task(name):
    meta = json.load(open(os.path.join(src, name + ".json")))
    x = np.fromfile(os.path.join(src, name + ".f32"), dtype=np.float32).reshape(-1, 28, 28, 1)
    y = tf.keras.utils.to_categorical(np.array(meta["labels"]), len(meta["classes"]))
    c = meta["counts"]
    cut = np.cumsum([0, c["train"], c["val"], c["test"]])
    return {k: (x[cut[i]:cut[i + 1]], y[cut[i]:cut[i + 1]]) for i, k in enumerate(["train", "val", "test"])}


feature_layers = [
    layers.Conv2D(32, 3, padding="valid", input_shape=(28, 28, 1)), layers.Activation("relu"),
    layers.Conv2D(32, 3), layers.Activation("relu"),
    layers.MaxPooling2D(2), layers.Dropout(0.25), layers.Flatten(),
]
classification_layers = [layers.Dense(128), layers.Activation("relu"), layers.Dropout(0.5), layers.Dense(5), layers.Activation("softmax")]
model = tf.keras.Sequential(feature_layers + classification_layers)


def train(data):
    model.compile(loss="categorical_crossentropy", optimizer=tf.keras.optimizers.Adadelta(learning_rate=1.0), metrics=["accuracy"])
    t = time.perf_counter()
    model.fit(*data["train"], batch_size=128, epochs=epochs, verbose=0, validation_data=data["val"])
    seconds = time.perf_counter() - t
    return model.evaluate(*data["test"], verbose=0)[1], seconds


source, target = task("source"), task("target")
source_acc, source_s = train(source)
for layer in feature_layers:
    layer.trainable = False
target_acc, target_s = train(target)
print(json.dumps({
    "sourceTestAccuracy": source_acc, "targetTestAccuracy": target_acc,
    "sourceTrain": len(source["train"][0]), "targetTrain": len(target["train"][0]), "targetTest": len(target["test"][0]),
    "sourceSeconds": source_s, "targetSeconds": target_s, "seconds": time.perf_counter() - t_start,
}))
