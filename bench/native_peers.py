"""The native peers of `npm run bench -- native`: one workload in PyTorch or in Keras 3 on JAX.

Run by bench/native.ts as
  python bench/native_peers.py --lib torch|jax --workload mlp|cnn|lstm --threads 2 --reps 3
and prints one JSON line: {"lib", "workload", "version", "value", "unit", "reps"}, where value is the
best of `reps` timed repetitions after one warm-up (samples/s for mlp and cnn, ms per call for lstm).
The models, batch sizes, optimisers and data sizes are those of bench/native.ts (keep them in step):
  mlp:  the keras R walk-through, 784-256-128-10, relu, dropout 0.4/0.3, softmax, RMSprop(1e-3, rho 0.9,
        eps 1e-7), categorical cross-entropy, batch 128, 6,400 samples an epoch;
  cnn:  Keras' mnist_cnn, conv 32 3x3 relu, conv 64 3x3 relu, max-pool 2, dropout 0.25, dense 128
        relu, dropout 0.5, dense 10 softmax, Adadelta(1.0, rho 0.95, eps 1e-7), batch 128, 1,280
        samples an epoch;
  lstm: one LSTM layer, batch 32, 80 steps, 128 inputs, 128 units, last output; forward and backward
        (gradients of sum(last output) with respect to every weight), ms per call.
A missing library prints {"error": "not installed: ..."} and exits 0.
"""
import argparse
import json
import os
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--lib", required=True, choices=["torch", "jax"])
p.add_argument("--workload", required=True, choices=["mlp", "cnn", "lstm", "gemm", "mlp-profile"])
p.add_argument("--threads", type=int, default=2)
p.add_argument("--reps", type=int, default=3)
# gemm (torch only; bench/profile.ts' `profile gemm`): [[M, K, N, transposeA, transposeB], ...] as
# JSON; prints GFLOP/s of torch.mm per shape, best of --reps calls.
# mlp-profile (torch only; `profile mlp`): the mlp workload's step, one batch at a time over 4 batches,
# as {"cpuMs", "wallMs", "ops": [{"name", "ms", "calls"}]}: CPU and wall ms per step (best of --reps
# runs of 50 steps), and each op's self CPU ms and calls per step under torch.autograd.profiler.
p.add_argument("--shapes", default="[]")
a = p.parse_args()

SIZES = {"mlp": 6400, "cnn": 1280}
BATCH = 128
B, T, I, U = 32, 80, 128, 128


def data(n, dim, label_at):
    import numpy as np
    i = np.arange(n * dim, dtype=np.float64)
    x = (((np.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1
    x = x.astype(np.float32).reshape(n, dim)
    y = np.zeros((n, 10), np.float32)
    y[np.arange(n), (np.floor(x[:, label_at] * 10) % 10).astype(int)] = 1
    return x, y


def emit(version, value, unit):
    print(json.dumps({"lib": a.lib, "workload": a.workload, "version": version, "value": value,
                      "unit": unit, "reps": a.reps, "threads": a.threads}))


def best_rate(step_epoch, n):
    step_epoch()  # warm-up
    best = 0.0
    for _ in range(a.reps):
        t0 = time.perf_counter()
        step_epoch()
        best = max(best, n / (time.perf_counter() - t0))
    return best


def best_ms(fn):
    fn()
    best = float("inf")
    for _ in range(a.reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - t0) * 1000)
    return best


def run_torch():
    try:
        import torch
    except ImportError as e:
        print(json.dumps({"error": f"not installed: {e}"}))
        return
    torch.set_num_threads(a.threads)
    nn = torch.nn
    if a.workload == "gemm":
        rates = []
        for m, k, n, ta, tb in json.loads(a.shapes):
            x = torch.rand(k, m).t() if ta else torch.rand(m, k)
            w = torch.rand(n, k).t() if tb else torch.rand(k, n)
            for _ in range(10):  # warm-up (the first calls on a thread count start its pool)
                torch.mm(x, w)
            best = float("inf")
            for _ in range(a.reps):
                t0 = time.perf_counter()
                torch.mm(x, w)
                best = min(best, time.perf_counter() - t0)
            rates.append(2 * m * n * k / best / 1e9)
        emit(torch.__version__, rates, "GFLOP/s")
        return
    torch.manual_seed(0)
    if a.workload == "lstm":
        import numpy as np
        lstm = nn.LSTM(I, U, batch_first=True)
        x = torch.from_numpy(np.sin(np.arange(B * T * I) * 0.37).astype(np.float32).reshape(B, T, I) * 0.5)

        def fb():
            lstm.zero_grad()
            out, _ = lstm(x)
            out[:, -1, :].sum().backward()
        emit(torch.__version__, best_ms(fb), "ms")
        return
    if a.workload == "mlp-profile":
        return torch_mlp_profile(torch, nn)
    n = SIZES[a.workload]
    if a.workload == "mlp":
        x, y = data(n, 784, 7)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.4), nn.Linear(256, 128), nn.ReLU(),
                              nn.Dropout(0.3), nn.Linear(128, 10))
        opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    else:
        x, y = data(n, 784, 300)
        x = x.reshape(n, 1, 28, 28)
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                              nn.Linear(128, 10))
        opt = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.95, eps=1e-7)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.argmax(1))
    loss_fn = nn.CrossEntropyLoss()  # softmax + categorical cross-entropy, as the Keras models

    def epoch():
        model.train()
        for s in range(0, n, BATCH):
            opt.zero_grad()
            loss = loss_fn(model(xt[s:s + BATCH]), yt[s:s + BATCH])
            loss.backward()
            opt.step()
    emit(torch.__version__, best_rate(epoch, n), "samples/s")


def torch_mlp_profile(torch, nn):
    x, y = data(4 * BATCH, 784, 7)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.argmax(1))
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.4), nn.Linear(256, 128), nn.ReLU(),
                          nn.Dropout(0.3), nn.Linear(128, 10))
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    at = [0]

    def step():
        s = at[0] * BATCH
        at[0] = (at[0] + 1) % 4
        opt.zero_grad()
        loss_fn(model(xt[s:s + BATCH]), yt[s:s + BATCH]).backward()
        opt.step()
    model.train()
    for _ in range(30):
        step()
    steps = 50
    cpu = wall = float("inf")
    for _ in range(a.reps):
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(steps):
            step()
        cpu = min(cpu, (time.process_time() - c0) * 1000 / steps)
        wall = min(wall, (time.perf_counter() - t0) * 1000 / steps)
    from torch.autograd import profiler
    with profiler.profile() as prof:
        for _ in range(steps):
            step()
    ops = [{"name": e.key, "ms": e.self_cpu_time_total / 1000 / steps, "calls": e.count / steps}
           for e in prof.key_averages() if e.self_cpu_time_total > 0]
    ops.sort(key=lambda o: -o["ms"])
    emit(torch.__version__, {"cpuMs": cpu, "wallMs": wall, "ops": ops}, "ms/step")


def run_jax():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
        import jax
    except ImportError as e:
        print(json.dumps({"error": f"not installed: {e}"}))
        return
    keras.utils.set_random_seed(0)
    L = keras.layers
    version = f"keras {keras.__version__}, jax {jax.__version__}"
    if a.workload == "lstm":
        import numpy as np
        import jax.numpy as jnp
        layer = L.LSTM(U)
        x = jnp.asarray(np.sin(np.arange(B * T * I) * 0.37).astype(np.float32).reshape(B, T, I) * 0.5)
        layer.build((B, T, I))
        weights = [v.value for v in layer.trainable_variables]
        fixed = [v.value for v in layer.non_trainable_variables]  # the seed generator's state

        def loss(ws, x):
            out, _ = layer.stateless_call(ws, fixed, x)
            return jnp.sum(out)
        g = jax.jit(jax.grad(loss))

        def fb():
            jax.block_until_ready(g(weights, x))
        emit(version, best_ms(fb), "ms")
        return
    n = SIZES[a.workload]
    if a.workload == "mlp":
        x, y = data(n, 784, 7)
        model = keras.Sequential([keras.Input((784,)), L.Dense(256, activation="relu"), L.Dropout(0.4),
                                  L.Dense(128, activation="relu"), L.Dropout(0.3), L.Dense(10, activation="softmax")])
        opt = keras.optimizers.RMSprop(1e-3)
    else:
        x, y = data(n, 784, 300)
        x = x.reshape(n, 28, 28, 1)
        model = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"),
                                  L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2), L.Dropout(0.25), L.Flatten(),
                                  L.Dense(128, activation="relu"), L.Dropout(0.5), L.Dense(10, activation="softmax")])
        opt = keras.optimizers.Adadelta(1.0)
    model.compile(loss="categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
    emit(version, best_rate(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False), n),
         "samples/s")


(run_torch if a.lib == "torch" else run_jax)()
sys.stdout.flush()
