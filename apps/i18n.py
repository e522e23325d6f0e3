"""Hold the app's visible labels in English and Chinese (简体中文) and look them up.

One table, one row per label key. Tests check that every key the pages use has both
languages, so a page never shows a raw key.
"""

# Labels are data: full-width Chinese punctuation and long sentences are on purpose.
# ruff: noqa: RUF001, E501

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

#: Language codes and how the switch shows them.
LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}

#: label key -> {language code -> text}. Text may hold ``str.format`` fields.
LABELS: dict[str, dict[str, str]] = {
    # shell
    "language": {"en": "Language", "zh": "语言"},
    "app_title": {
        "en": "fleetopt — Beijing fleet electrification",
        "zh": "fleetopt — 北京车队电动化",
    },
    "app_caption": {
        "en": "Beijing Carbon Peak Implementation Plan (京政发〔2022〕31号), section (16): low-carbon transport",
        "zh": "《北京市碳达峰实施方案》（京政发〔2022〕31号）第（16）条：低碳交通",
    },
    "page_targets": {"en": "Targets", "zh": "目标看板"},
    "page_fleet": {"en": "Fleet simulation", "zh": "车队仿真"},
    "page_siting": {"en": "Station siting", "zh": "场站选址"},
    "page_compare": {"en": "Scenario comparison", "zh": "情景对比"},
    "not_available": {
        "en": "Not available in this build: {what} is missing ({detail}).",
        "zh": "此版本暂不可用：缺少 {what}（{detail}）。",
    },
    "error_internal": {
        "en": "Something went wrong while {what}: {detail}. The app keeps working; change the inputs and try again.",
        "zh": "{what}时出错：{detail}。应用仍可继续使用，请修改输入后重试。",
    },
    # targets page
    "targets_title": {"en": "Carbon Peak Plan targets", "zh": "碳达峰方案目标"},
    "targets_intro": {
        "en": "Every target of section (16) with the current or projected value, its status and its source.",
        "zh": "第（16）条的全部目标：现状或预测值、完成状态及数据来源。",
    },
    "target": {"en": "Target", "zh": "目标值"},
    "value": {"en": "Value", "zh": "数值"},
    "year": {"en": "Year", "zh": "年份"},
    "status": {"en": "Status", "zh": "状态"},
    "source": {"en": "Source", "zh": "来源"},
    "unit": {"en": "Unit", "zh": "单位"},
    "progress": {"en": "Progress", "zh": "进度"},
    "qualitative": {"en": "Targets without a number in the plan", "zh": "方案中无量化指标的目标"},
    "details": {"en": "Details and sources", "zh": "详情与来源"},
    "interactive_chart": {"en": "Interactive trajectory chart", "zh": "交互式轨迹图"},
    "trajectory": {"en": "Trajectory to 2025 and 2030", "zh": "至2025年和2030年的轨迹"},
    "observed": {"en": "observed", "zh": "实测"},
    "projected": {"en": "projected", "zh": "预测"},
    "band": {"en": "uncertainty band", "zh": "不确定区间"},
    "reason": {"en": "Why no value", "zh": "无数值的原因"},
    "trace": {"en": "Inputs and sources of this value", "zh": "该数值的输入与来源"},
    "targets_report": {"en": "Targets report (HTML)", "zh": "目标报告（HTML）"},
    "targets_report_pdf": {"en": "Report of all targets (PDF)", "zh": "全部目标报告（PDF）"},
    "targets_report_html": {"en": "Report of all targets (HTML)", "zh": "全部目标报告（HTML）"},
    "targets_report_help": {
        "en": "Every target with its value, uncertainty band (low – high), status and the inputs and sources it comes from; the same report as `fleetopt targets --report`.",
        "zh": "每项目标的数值、不确定区间（低 – 高）、状态及其输入与来源；与 `fleetopt targets --report` 生成的报告相同。",
    },
    "no_value": {"en": "no value", "zh": "无数据"},
    "no_trajectory": {
        "en": "No yearly trajectory is available for this target in this build.",
        "zh": "此版本没有该目标的逐年轨迹。",
    },
    "status_met": {"en": "met", "zh": "已达成"},
    "status_on_track": {"en": "on track", "zh": "按计划推进"},
    "status_at_risk": {"en": "at risk", "zh": "存在风险"},
    "status_off_track": {"en": "off track", "zh": "偏离目标"},
    "status_no_data": {"en": "no data", "zh": "无数据"},
    # fleet page
    "fleet_title": {"en": "Fleet upload and simulation", "zh": "车队数据上传与仿真"},
    "input_source": {"en": "Trips", "zh": "行程数据"},
    "source_default": {"en": "Embedded Beijing default", "zh": "内置北京默认数据"},
    "source_upload": {"en": "Upload a file", "zh": "上传文件"},
    "upload_label": {
        "en": "Trips CSV, Excel (.xlsx) or GTFS zip",
        "zh": "行程 CSV、Excel（.xlsx）或 GTFS 压缩包",
    },
    "upload_help": {
        "en": "Checked by content, not by name. Largest accepted size: {mb} MB.",
        "zh": "按文件内容而非文件名检查。最大允许 {mb} MB。",
    },
    "stations_upload": {
        "en": "Stations CSV (optional; replaces the default stations)",
        "zh": "场站 CSV（可选，替换默认场站）",
    },
    "upload_limit": {
        "en": "Largest accepted upload: {mb} MB (a larger file is refused and marked red).",
        "zh": "上传文件上限：{mb} MB（超出的文件会被拒绝并以红色标出）。",
    },
    "upload_too_big": {
        "en": "The file is {size_mb:.1f} MB; the largest accepted upload is {mb} MB.",
        "zh": "文件大小为 {size_mb:.1f} MB，超过上限 {mb} MB。",
    },
    "upload_bad_type": {
        "en": "This file is not a trips CSV, an Excel workbook or a GTFS zip: {reason}",
        "zh": "该文件不是行程 CSV、Excel 工作簿或 GTFS 压缩包：{reason}",
    },
    "upload_kind": {"en": "Detected file type: {kind}", "zh": "识别的文件类型：{kind}"},
    "validation": {"en": "Validation", "zh": "数据校验"},
    "valid_ok": {
        "en": "The file is valid ({warnings} warnings).",
        "zh": "文件有效（{warnings} 条警告）。",
    },
    "valid_bad": {
        "en": "The file has {errors} problems; fix them and upload again.",
        "zh": "文件有 {errors} 处问题，请修改后重新上传。",
    },
    "errors": {"en": "Errors", "zh": "错误"},
    "warnings": {"en": "Warnings", "zh": "警告"},
    "row": {"en": "Row", "zh": "行"},
    "column": {"en": "Column", "zh": "列"},
    "message": {"en": "Message", "zh": "说明"},
    "levers": {"en": "Scenario levers", "zh": "情景参数"},
    "network": {"en": "Road network", "zh": "路网"},
    "temperature": {"en": "Ambient (winter) temperature [°C]", "zh": "环境（冬季）气温 [°C]"},
    "bev_share": {"en": "Battery-electric share of {type} [%]", "zh": "{type}纯电动比例 [%]"},
    "fleet_scale": {
        "en": "Fleet size, % of the embedded sample",
        "zh": "车队规模（占内置样本的百分比）",
    },
    "charging_strategy": {"en": "Charging strategy", "zh": "充电策略"},
    "stations_choice": {"en": "Stations", "zh": "充电场站"},
    "seed": {"en": "Random seed", "zh": "随机种子"},
    "run": {"en": "Run simulation", "zh": "运行仿真"},
    "running": {"en": "Simulating…", "zh": "仿真中…"},
    "wall": {"en": "simulation wall time {s:.1f} s", "zh": "仿真耗时 {s:.1f} 秒"},
    "map_legend": {
        "en": "● red: chosen new sites (size = assigned energy) · ● blue: existing public DC stations · ● orange: demand",
        "zh": "● 红色：新选站点（大小 = 分配的电量）· ● 蓝色：现有公共直流快充站 · ● 橙色：需求",
    },
    "done_in": {"en": "Done in {s:.1f} s.", "zh": "完成，用时 {s:.1f} 秒。"},
    "results": {"en": "Results", "zh": "结果"},
    "kpi_served": {"en": "Trips served", "zh": "完成行程"},
    "kpi_missed": {"en": "Trips missed", "zh": "未完成行程"},
    "kpi_distance": {"en": "Distance [km]", "zh": "里程 [km]"},
    "kpi_grid": {"en": "Grid energy [kWh]", "zh": "电网电量 [kWh]"},
    "kpi_co2": {"en": "CO₂ [t]", "zh": "二氧化碳 [t]"},
    "kpi_peak": {"en": "Peak grid load [kW]", "zh": "电网峰值负荷 [kW]"},
    "kpi_wait": {"en": "Mean charge wait [min]", "zh": "平均充电等待 [分钟]"},
    "kpi_vehicles": {"en": "Vehicles", "zh": "车辆数"},
    "soc_chart": {"en": "State of charge", "zh": "电池荷电状态（SoC）"},
    "load_chart": {"en": "Station load [kW]", "zh": "场站负荷 [kW]"},
    "missed_trips": {"en": "Missed trips", "zh": "未完成的行程"},
    "none_missed": {"en": "No trip was missed.", "zh": "没有未完成的行程。"},
    "by_type": {"en": "By vehicle type", "zh": "按车型"},
    "save_run": {"en": "Save this run under runs/", "zh": "将本次运行保存到 runs/"},
    "saved_as": {"en": "Saved as run {run}.", "zh": "已保存为运行 {run}。"},
    "downloads": {"en": "Downloads", "zh": "下载"},
    "report": {"en": "One-page report (HTML)", "zh": "单页报告（HTML）"},
    "no_result": {"en": "Run a simulation to see results.", "zh": "运行仿真后在此查看结果。"},
    # siting page
    "siting_title": {"en": "Station siting", "zh": "场站选址"},
    "model": {"en": "Model", "zh": "模型"},
    "p_sites": {"en": "Number of sites p", "zh": "选址数量 p"},
    "radius": {
        "en": "Coverage radius (service level), travel time [min]",
        "zh": "覆盖半径（服务水平），行驶时间 [分钟]",
    },
    "candidates": {"en": "Candidate sites from the road graph", "zh": "路网候选站点数"},
    "demand_simulation": {
        "en": "Last fleet simulation of this session",
        "zh": "本次会话最近一次车队仿真",
    },
    "demand_default_note": {
        "en": "Demand = where the embedded default fleets needed energy ({pct:.0f} % sample, simulated once and cached).",
        "zh": "需求 = 内置默认车队的补能位置（{pct:.0f}% 样本，仿真一次并缓存）。",
    },
    "open_existing": {"en": "Existing stations used", "zh": "使用的现有场站"},
    "time_limit": {"en": "Solver time limit [s]", "zh": "求解时间上限 [秒]"},
    "solve": {"en": "Solve", "zh": "求解"},
    "solving": {"en": "Solving…", "zh": "求解中…"},
    "objective": {"en": "Objective", "zh": "目标函数值"},
    "bound": {"en": "Bound", "zh": "界"},
    "gap": {"en": "Gap", "zh": "最优间隙"},
    "chosen_sites": {"en": "Chosen sites", "zh": "选中站点"},
    "existing_sites": {"en": "Existing stations", "zh": "现有场站"},
    "demand": {"en": "Demand", "zh": "需求"},
    "map": {"en": "Map (road graph, no web tiles)", "zh": "地图（路网底图，无在线瓦片）"},
    "geojson": {"en": "GeoJSON of the chosen sites", "zh": "选中站点 GeoJSON"},
    "no_siting": {
        "en": "Solve a siting problem to see the sites.",
        "zh": "求解选址问题后在此查看站点。",
    },
    # compare page
    "compare_title": {"en": "Scenario comparison", "zh": "情景对比"},
    "compare_intro": {
        "en": "Define two or more variants with what-if levers, run them, and compare every key and every target.",
        "zh": "用假设参数定义两个或多个情景，运行后对比各项指标和各项目标。",
    },
    "variant": {"en": "Variant {n}", "zh": "情景 {n}"},
    "variant_count": {"en": "Number of variants", "zh": "情景数量"},
    "saved_runs": {"en": "Runs of this session", "zh": "本次会话的运行"},
    "stored_runs": {"en": "Stored runs (runs/)", "zh": "已保存的运行（runs/）"},
    "no_summary": {
        "en": "Run {run} holds no simulation summary.",
        "zh": "运行 {run} 中没有仿真摘要。",
    },
    "compare_run": {"en": "Run and compare", "zh": "运行并对比"},
    "difference": {"en": "Difference vs variant 1", "zh": "相对情景 1 的差值"},
    "targets_diff": {"en": "Targets by variant", "zh": "各情景目标对比"},
    "summary_diff": {"en": "Simulation keys by variant", "zh": "各情景仿真指标"},
    # operator plan page
    "page_plan": {"en": "Operator plan", "zh": "运营规划"},
    "plan_title": {"en": "Operator plan", "zh": "运营规划"},
    "plan_intro": {
        "en": "How many electric vehicles and plugs the timetable needs, the cheapest charging and the life-cycle cost (CONTRACT §9).",
        "zh": "时刻表所需的电动车辆数与充电桩数、最低成本充电计划及全生命周期成本（CONTRACT §9）。",
    },
    "source_example": {"en": "Example timetable", "zh": "示例时刻表"},
    "plan_time_limit": {"en": "Solver time limit (s)", "zh": "求解时间上限（秒）"},
    "plan_battery_options": {"en": "Compare battery sizes", "zh": "比较电池容量"},
    "plan_run": {"en": "Run plan", "zh": "运行规划"},
    "plan_running": {"en": "Planning…", "zh": "规划中…"},
    "plan_none": {"en": "No plan yet: choose the input and press Run plan.", "zh": "尚无规划：请选择输入并点击“运行规划”。"},
    "plan_status": {"en": "Status", "zh": "求解状态"},
    "plan_gap": {"en": "Gap", "zh": "最优间隙"},
    "plan_cost_day": {"en": "Charging cost per day (CNY)", "zh": "日充电费用（元）"},
    "plan_cost_bound": {"en": "Proven lower bound (CNY)", "zh": "已证明下界（元）"},
    "plan_vehicles": {"en": "Vehicles: needed vs. input", "zh": "车辆：所需与现有"},
    "plan_vehicles_needed": {"en": "Vehicles needed · {vt}", "zh": "所需车辆 · {vt}"},
    "plan_vehicles_input": {"en": "input: {n}", "zh": "现有：{n}"},
    "plan_type": {"en": "Vehicle type", "zh": "车型"},
    "plan_input": {"en": "Input", "zh": "现有"},
    "plan_needed": {"en": "Needed", "zh": "所需"},
    "plan_bound": {"en": "Lower bound", "zh": "下界"},
    "plan_plugs": {"en": "Plugs per station", "zh": "各场站充电桩数"},
    "plan_plugs_at": {"en": "Plugs · {sid}", "zh": "充电桩 · {sid}"},
    "plan_station": {"en": "Station", "zh": "场站"},
    "plan_schedule": {"en": "Charging: cost-optimal vs. immediate", "zh": "充电：成本最优与即充对比"},
    "plan_hour": {"en": "Hour of day", "zh": "时刻（小时）"},
    "plan_grid_kw": {"en": "Grid power (kW)", "zh": "电网功率（千瓦）"},
    "plan_policy": {"en": "Charging", "zh": "充电方式"},
    "plan_policy_plan": {"en": "cost-optimal (plan)", "zh": "成本最优（规划）"},
    "plan_policy_immediate": {"en": "immediate", "zh": "即到即充"},
    "plan_policy_smart": {"en": "smart", "zh": "智能充电"},
    "plan_compare": {"en": "Simulator check of the plan", "zh": "规划的仿真校验"},
    "plan_missed": {"en": "Trips missed", "zh": "未完成班次"},
    "plan_cost": {"en": "Cost (CNY/day)", "zh": "费用（元/日）"},
    "plan_peak": {"en": "Peak (kW)", "zh": "峰值（千瓦）"},
    "plan_tco": {"en": "Life-cycle cost: diesel vs. BEV vs. FCEV", "zh": "全生命周期成本：柴油、纯电与燃料电池"},
    "plan_powertrain": {"en": "Powertrain", "zh": "动力类型"},
    "plan_npv": {"en": "NPV (CNY)", "zh": "净现值（元）"},
    "plan_per_km": {"en": "CNY per km", "zh": "元/公里"},
    "plan_battery": {"en": "Battery size trade-off", "zh": "电池容量权衡"},
    "plan_battery_kwh": {"en": "Battery (kWh)", "zh": "电池（千瓦时）"},
    "plan_cheapest": {"en": "Cheapest", "zh": "最经济"},
    "plan_replacement": {"en": "Replacement over years", "zh": "逐年更新计划"},
    "plan_problems": {"en": "Trips no vehicle can run and blocks that break", "zh": "无法运营的班次与失效的车辆排班"},
    "plan_downloads": {"en": "Downloads", "zh": "下载"},
    "plan_dl_blocks_csv": {"en": "New blocks (CSV)", "zh": "新排班（CSV）"},
    "plan_dl_blocks_xlsx": {"en": "New blocks (Excel)", "zh": "新排班（Excel）"},
    "plan_dl_schedule": {"en": "Charging schedule (CSV)", "zh": "充电计划（CSV）"},
    "plan_dl_json": {"en": "Plan (JSON)", "zh": "规划结果（JSON）"},
}


def translate(key: str, lang: str, **fmt: object) -> str:
    """Return label ``key`` in ``lang`` (English when missing), formatted with ``fmt``.

    Parameters
    ----------
    key : str
        Row of :data:`LABELS`.
    lang : str
        Language code, one of :data:`LANGUAGES`.
    **fmt
        Values for the label's ``str.format`` fields.

    Returns
    -------
    str
        The label; the key itself when it is not in the table (logged).
    """
    row = LABELS.get(key)
    if row is None:
        logger.warning("label %r is missing from apps.i18n.LABELS", key)
        return key
    text = row.get(lang) or row["en"]
    return text.format(**fmt) if fmt else text
