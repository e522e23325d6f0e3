"""The canonical columns of trips and ride-request tables and the operator headers that map to them.

Rename at the border: ``COLUMN_MAP`` maps the headers operators write (English variants
and common Chinese headers, see ``docs/column_names.md``) to the canonical names of
CONTRACT §3, and ``VALUE_MAP`` maps Chinese category values (公交, 纯电动, …). Split from
:mod:`fleetopt.inputs.schedules` (issue 13), which reads the tables and re-exports these names.
"""

from __future__ import annotations

from fleetopt.inputs import _tabular

#: Canonical trips columns, in output order (``row`` follows).
TRIP_COLUMNS: tuple[str, ...] = (
    "vehicle_id",
    "vehicle_type",
    "powertrain",
    "trip_id",
    "departure_s",
    "arrival_s",
    "origin_lon",
    "origin_lat",
    "destination_lon",
    "destination_lat",
    "distance_km",
    "depot",
    "passengers",
    "payload_t",
    "exempt",
)
TRIP_REQUIRED: tuple[str, ...] = (
    "vehicle_id",
    "vehicle_type",
    "powertrain",
    "trip_id",
    "departure",
    "arrival",
    "origin_lon",
    "origin_lat",
    "destination_lon",
    "destination_lat",
)
TRIP_OPTIONAL: tuple[str, ...] = ("distance_km", "depot", "passengers", "payload_t", "exempt")
#: Columns of a CONTRACT §3 trips file as fleetopt writes one (``exempt`` is fleetopt's own extra).
TRIP_FILE_COLUMNS: tuple[str, ...] = (*TRIP_REQUIRED, *(c for c in TRIP_OPTIONAL if c != "exempt"))

#: Canonical requests columns, in output order (``row`` follows).
REQUEST_COLUMNS: tuple[str, ...] = (
    "request_id",
    "departure_s",
    "origin_lon",
    "origin_lat",
    "destination_lon",
    "destination_lat",
    "passengers",
    "max_wait_min",
)
REQUEST_REQUIRED: tuple[str, ...] = (
    "request_id",
    "departure",
    "origin_lon",
    "origin_lat",
    "destination_lon",
    "destination_lat",
)
REQUEST_OPTIONAL: tuple[str, ...] = ("passengers", "max_wait_min")

_SOURCE_NAMES: dict[str, tuple[str, ...]] = {
    "vehicle_id": (
        "vehicle",
        "vehicle_no",
        "block_id",
        "block",
        "车辆编号",
        "车辆号",
        "车号",
        "车辆id",
        "车辆ID",
        "车牌号",
        "车牌号码",
        "车牌",
        "自编号",
        "车辆自编号",
        "路牌",
        "路牌号",
    ),
    "vehicle_type": ("type", "车辆类型", "车型", "车辆类别", "车种"),
    "powertrain": (
        "fuel",
        "fuel_type",
        "energy_type",
        "动力类型",
        "能源类型",
        "燃料类型",
        "燃料种类",
        "动力",
        "动力方式",
    ),
    "trip_id": (
        "trip",
        "trip_no",
        "行程编号",
        "行程id",
        "行程ID",
        "趟次编号",
        "趟次",
        "班次编号",
        "班次号",
        "车次",
        "车次号",
        "运单号",
    ),
    "departure": (
        "departure_time",
        "start_time",
        "dep_time",
        "发车时间",
        "出发时间",
        "开始时间",
        "起始时间",
        "计划发车时间",
        "上车时间",
        "下单时间",
        "请求时间",
    ),
    "arrival": (
        "arrival_time",
        "end_time",
        "arr_time",
        "到达时间",
        "结束时间",
        "终到时间",
        "计划到达时间",
    ),
    "origin_lon": (
        "start_lon",
        "o_lon",
        "from_lon",
        "起点经度",
        "出发地经度",
        "上车点经度",
        "上车经度",
    ),
    "origin_lat": (
        "start_lat",
        "o_lat",
        "from_lat",
        "起点纬度",
        "出发地纬度",
        "上车点纬度",
        "上车纬度",
    ),
    "destination_lon": (
        "end_lon",
        "d_lon",
        "to_lon",
        "dest_lon",
        "终点经度",
        "目的地经度",
        "下车点经度",
        "下车经度",
    ),
    "destination_lat": (
        "end_lat",
        "d_lat",
        "to_lat",
        "dest_lat",
        "终点纬度",
        "目的地纬度",
        "下车点纬度",
        "下车纬度",
    ),
    "distance_km": (
        "distance",
        "km",
        "里程",
        "里程(km)",
        "里程(公里)",
        "行驶里程",
        "行驶里程(km)",
        "行驶里程(公里)",
        "运营里程",
        "距离(km)",
        "距离(公里)",
    ),
    "depot": ("depot_id", "场站", "车场", "停车场", "所属场站", "停保场", "首末站场站"),
    "passengers": ("pax", "load_pax", "乘客数", "乘客人数", "载客人数", "人数", "客流"),
    "payload_t": ("payload", "load_t", "载重", "载重(吨)", "载重(t)", "货重(吨)", "载货量(吨)"),
    "exempt": ("是否豁免", "豁免"),
    "request_id": ("order_id", "订单编号", "订单号", "订单id", "订单ID", "请求编号"),
    "max_wait_min": ("max_wait", "最长等待时间(分钟)", "最大等待时间(分钟)", "最长等待(分钟)"),
}

#: Normalised source header -> canonical column (canonical names map to themselves).
COLUMN_MAP: dict[str, str] = (
    {_tabular.normalise_header(src): canon for canon, srcs in _SOURCE_NAMES.items() for src in srcs}
    | {c: c for c in _SOURCE_NAMES}
    | {"departure": "departure", "arrival": "arrival"}
)

#: Category values written in Chinese or as common abbreviations -> canonical value.
VALUE_MAP: dict[str, dict[str, str]] = {
    "vehicle_type": {
        "公交": "bus",
        "公交车": "bus",
        "公共汽车": "bus",
        "公共电汽车": "bus",
        "巴士": "bus",
        "出租": "taxi",
        "出租车": "taxi",
        "巡游出租车": "taxi",
        "出租汽车": "taxi",
        "环卫": "sanitation",
        "环卫车": "sanitation",
        "环卫车辆": "sanitation",
        "物流": "delivery",
        "物流车": "delivery",
        "快递": "delivery",
        "快递车": "delivery",
        "配送": "delivery",
        "配送车": "delivery",
        "轻型货车": "delivery",
        "城市配送": "delivery",
    },
    "powertrain": {
        "柴油": "diesel",
        "汽油": "gasoline",
        "天然气": "cng",
        "压缩天然气": "cng",
        "燃气": "cng",
        "液化天然气": "lng",
        "插电混动": "phev",
        "插电式混合动力": "phev",
        "插混": "phev",
        "plug-in hybrid": "phev",
        "混动": "hev",
        "油电混合": "hev",
        "油电混动": "hev",
        "混合动力": "hev",
        "hybrid": "hev",
        "纯电": "bev",
        "纯电动": "bev",
        "电动": "bev",
        "电": "bev",
        "ev": "bev",
        "electric": "bev",
        "氢": "fcev",
        "氢能": "fcev",
        "氢燃料": "fcev",
        "燃料电池": "fcev",
        "氢燃料电池": "fcev",
        "fcv": "fcev",
        "hydrogen": "fcev",
        "petrol": "gasoline",
    },
}
