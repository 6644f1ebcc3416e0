"""bench/family/*.yaml written in DeepXDE's terms (pytorch backend), for family_dde.py.

Each problem gives its fields, input and output sizes, activation, DeepXDE data (geometry, PDE
residuals in the same form as pinn's, conditions with weight 1, pinn's default point counts),
the exact solution and pinn's output grid (see family_dde.py).
"""
import numpy as np
import torch

import deepxde as dde

PI = np.pi
POINTS = {"num_domain": 2000, "num_boundary": 400}
TIME_POINTS = {"num_domain": 2000, "num_boundary": 400, "num_initial": 400}


def lap2(x, y, component=0):
    return dde.grad.hessian(y, x, component=component, i=0, j=0) + dde.grad.hessian(
        y, x, component=component, i=1, j=1
    )


def grid(lo, hi, counts, inside=None, times=None):
    """pinn's output grid: linspace per axis over the bounding box (first axis fastest), nodes
    inside the geometry, repeated at each output time (appended as the last column)."""
    axes = [np.linspace(a, b, n) for a, b, n in zip(lo, hi, counts)]
    mesh = np.meshgrid(*axes, indexing="ij")
    pts = np.stack([m.ravel(order="F") for m in mesh], axis=1)
    mask = inside(pts) if inside is not None else None
    if mask is not None:
        pts = pts[mask]
    if times is not None:
        pts = np.concatenate([np.hstack([pts, np.full((len(pts), 1), t)]) for t in times])
    return pts.astype(np.float32)


class Problem:
    fields = ["u"]
    n_in = 2
    n_out = 1
    activation = "tanh"


class Poisson(Problem):
    """-lap(u) = source on a 2D geometry, u = exact on the boundary."""

    lo, hi = (0, 0), (1, 1)

    def geom(self):
        return dde.geometry.Rectangle(list(self.lo), list(self.hi))

    def inside(self, p):
        return None

    def data(self):
        geom = self.geom()
        bc = dde.icbc.DirichletBC(geom, self.exact, lambda _, on_b: on_b)
        return dde.data.PDE(geom, lambda x, y: -lap2(x, y) - self.source(x), bc, **POINTS)

    def grid(self):
        return grid(self.lo, self.hi, (101, 101), self.inside)


class PoissonMode21(Poisson):
    def source(self, x):
        return 5 * PI**2 * torch.sin(2 * PI * x[:, 0:1]) * torch.sin(PI * x[:, 1:2])

    def exact(self, x):
        return np.sin(2 * PI * x[:, 0:1]) * np.sin(PI * x[:, 1:2])


class PoissonPolyExp(Poisson):
    def source(self, x):
        a, b = x[:, 0:1], x[:, 1:2]
        return 2 * a * b * (3 - a - b - a * b) * torch.exp(a + b)

    def exact(self, x):
        a, b = x[:, 0:1], x[:, 1:2]
        return a * (1 - a) * b * (1 - b) * np.exp(a + b)


class PoissonDisk(Poisson):
    lo, hi = (-1, -1), (1, 1)

    def geom(self):
        return dde.geometry.Disk([0, 0], 1)

    def inside(self, p):
        return np.hypot(p[:, 0], p[:, 1]) <= 1 + 1e-12

    def source(self, x):
        return 2 * PI**2 * torch.sin(PI * x[:, 0:1]) * torch.cos(PI * x[:, 1:2])

    def exact(self, x):
        return np.sin(PI * x[:, 0:1]) * np.cos(PI * x[:, 1:2])


class PoissonRect(Poisson):
    lo, hi = (0, 0), (2, 1)

    def source(self, x):
        return (PI**2 - 0.25) * torch.exp(x[:, 0:1] / 2) * torch.sin(PI * x[:, 1:2])

    def exact(self, x):
        return np.exp(x[:, 0:1] / 2) * np.sin(PI * x[:, 1:2]) + x[:, 0:1] * x[:, 1:2]


class Helmholtz(Poisson):
    """-lap(u) - k^2 u = k^2 sin(k x) sin(k y) on the unit square, u = 0 on the boundary."""

    k = 2 * PI

    def data(self):
        geom = self.geom()
        bc = dde.icbc.DirichletBC(geom, lambda x: 0, lambda _, on_b: on_b)
        k = self.k

        def pde(x, y):
            f = k**2 * torch.sin(k * x[:, 0:1]) * torch.sin(k * x[:, 1:2])
            return -lap2(x, y) - k**2 * y - f

        return dde.data.PDE(geom, pde, bc, **POINTS)

    def exact(self, x):
        return np.sin(self.k * x[:, 0:1]) * np.sin(self.k * x[:, 1:2])


class Helmholtz2pi(Helmholtz):
    k = 2 * PI


class Helmholtz3pi(Helmholtz):
    k = 3 * PI


class Helmholtz3piSin(Helmholtz3pi):
    activation = "sin"


class HelmholtzDriven(Poisson):
    """-lap(u) - 4 u = 2 pi^2 sin(pi x) sin(pi y) on the unit square, u = 0 on the boundary."""

    def data(self):
        geom = self.geom()
        bc = dde.icbc.DirichletBC(geom, lambda x: 0, lambda _, on_b: on_b)

        def pde(x, y):
            f = 2 * PI**2 * torch.sin(PI * x[:, 0:1]) * torch.sin(PI * x[:, 1:2])
            return -lap2(x, y) - 4 * y - f

        return dde.data.PDE(geom, pde, bc, **POINTS)

    def exact(self, x):
        return 2 * PI**2 * np.sin(PI * x[:, 0:1]) * np.sin(PI * x[:, 1:2]) / (2 * PI**2 - 4)


class AnnulusLaplace(Poisson):
    """-lap(u) = 0 on 0.5 < r < 1, u = 2 on r = 0.5 and 0.5 on r = 1."""

    lo, hi = (-1, -1), (1, 1)

    def geom(self):
        return dde.geometry.Disk([0, 0], 1) - dde.geometry.Disk([0, 0], 0.5)

    def inside(self, p):
        r = np.hypot(p[:, 0], p[:, 1])
        return (r <= 1 + 1e-12) & (r >= 0.5 - 1e-12)

    def data(self):
        geom = self.geom()
        radius = lambda x: np.hypot(x[0], x[1])  # noqa: E731
        inner = dde.icbc.DirichletBC(geom, lambda x: 2, lambda x, on: on and np.isclose(radius(x), 0.5))
        outer = dde.icbc.DirichletBC(geom, lambda x: 0.5, lambda x, on: on and np.isclose(radius(x), 1))
        return dde.data.PDE(geom, lambda x, y: -lap2(x, y), [inner, outer], **POINTS)

    def exact(self, x):
        return 0.5 + 1.5 * np.log(np.hypot(x[:, 0:1], x[:, 1:2])) / np.log(0.5)


class Time1D(Problem):
    """A 1D problem on [0, 1] x [0, 1], u = 0 at the ends, an initial value."""

    def geomtime(self):
        return dde.geometry.GeometryXTime(dde.geometry.Interval(0, 1), dde.geometry.TimeDomain(0, 1))

    def conditions(self, gt):
        bc = dde.icbc.DirichletBC(gt, lambda x: 0, lambda _, on_b: on_b)
        ic = dde.icbc.IC(gt, lambda x: np.sin(2 * PI * x[:, 0:1]), lambda _, on_i: on_i)
        return [bc, ic]

    def data(self):
        gt = self.geomtime()
        return dde.data.TimePDE(gt, self.pde, self.conditions(gt), **TIME_POINTS)

    def grid(self):
        return grid((0,), (1,), (201,), times=(0, 0.5, 1))


class HeatMode2(Time1D):
    alpha = 0.05

    def pde(self, x, y):
        return dde.grad.jacobian(y, x, i=0, j=1) - self.alpha * dde.grad.hessian(y, x, i=0, j=0)

    def exact(self, x):
        return np.exp(-self.alpha * 4 * PI**2 * x[:, 1:2]) * np.sin(2 * PI * x[:, 0:1])


class Wave1D(Time1D):
    speed = 0.5

    def pde(self, x, y):
        return dde.grad.hessian(y, x, i=1, j=1) - self.speed**2 * dde.grad.hessian(y, x, i=0, j=0)

    def conditions(self, gt):
        rate = dde.icbc.OperatorBC(
            gt, lambda x, y, _: dde.grad.jacobian(y, x, i=0, j=1), lambda x, _: np.isclose(x[1], 0)
        )
        return super().conditions(gt) + [rate]

    def exact(self, x):
        return np.sin(2 * PI * x[:, 0:1]) * np.cos(PI * x[:, 1:2])


class MaxwellTMDielectric(Problem):
    """eps Ez_t = Hy_x - Hx_y, Hx_t = -Ez_y, Hy_t = Ez_x (eps = 2), PEC walls, TM11 initial values."""

    fields = ["Ez", "Hx", "Hy"]
    n_in = 3
    n_out = 3
    eps = 2.0

    def data(self):
        gt = dde.geometry.GeometryXTime(dde.geometry.Rectangle([0, 0], [1, 1]), dde.geometry.TimeDomain(0, 1))

        def pde(x, y):
            d = lambda c, j: dde.grad.jacobian(y, x, i=c, j=j)  # noqa: E731
            return [
                self.eps * d(0, 2) - (d(2, 0) - d(1, 1)),
                d(1, 2) + d(0, 1),
                d(2, 2) - d(0, 0),
            ]

        initial = lambda _, on_i: on_i  # noqa: E731
        conditions = [
            dde.icbc.DirichletBC(gt, lambda x: 0, lambda _, on_b: on_b, component=0),
            dde.icbc.IC(gt, lambda x: np.sin(PI * x[:, 0:1]) * np.sin(PI * x[:, 1:2]), initial, component=0),
            dde.icbc.IC(gt, lambda x: 0, initial, component=1),
            dde.icbc.IC(gt, lambda x: 0, initial, component=2),
        ]
        return dde.data.TimePDE(gt, pde, conditions, **TIME_POINTS)

    def exact(self, x):
        a, b, t = PI * x[:, 0:1], PI * x[:, 1:2], PI * x[:, 2:3]
        return np.hstack(
            [np.sin(a) * np.sin(b) * np.cos(t), -np.sin(a) * np.cos(b) * np.sin(t), np.cos(a) * np.sin(b) * np.sin(t)]
        )

    def grid(self):
        return grid((0, 0), (1, 1), (101, 101), times=(0, 0.5, 1))


PROBLEMS = {
    "poisson-mode21": PoissonMode21,
    "poisson-polyexp": PoissonPolyExp,
    "poisson-disk": PoissonDisk,
    "poisson-rect": PoissonRect,
    "helmholtz-2pi": Helmholtz2pi,
    "helmholtz-3pi": Helmholtz3pi,
    "helmholtz-3pi-sin": Helmholtz3piSin,
    "helmholtz-driven": HelmholtzDriven,
    "heat-mode2": HeatMode2,
    "wave-1d": Wave1D,
    "annulus-laplace": AnnulusLaplace,
    "maxwell-tm-dielectric": MaxwellTMDielectric,
}
